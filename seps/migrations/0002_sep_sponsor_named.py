from django.db import migrations, models


def link_siblings(apps, schema_editor):
    """Bodies stored before sibling links (`./2260-x.md`) were pointed at SEP pages: fix them once."""
    from seps.models import link_sibling_seps

    SEP = apps.get_model("seps", "SEP")
    for sep in SEP.objects.filter(body_html__contains=".md").only("pk", "body_html").iterator():
        html = link_sibling_seps(sep.body_html)
        if html != sep.body_html:
            SEP.objects.filter(pk=sep.pk).update(body_html=html)


class Migration(migrations.Migration):
    dependencies = [
        ("seps", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="sep",
            name="sponsor_named",
            field=models.CharField(
                blank=True,
                help_text="The sponsor as the imported file names them, when they have no portal account (shown, not a sponsor).",
                max_length=200,
            ),
        ),
        migrations.RunPython(link_siblings, migrations.RunPython.noop),
    ]
