"""Post a Django admin change form as a browser would: every field as the page rendered it, with
only the given fields changed (inlines, management forms and hidden fields included)."""

from html.parser import HTMLParser


class _FormFields(HTMLParser):
    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.data = form_id, False, []
        self._select = self._textarea = None
        self._selected_any = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.append((name, a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.data.append((self._select, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_data(self, data):
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.data.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None


def admin_change(client, url: str, form_id: str, **changes):
    """GET the admin change page at `url`, change `changes`, POST it with "Save"; returns the response."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    parser = _FormFields(form_id)
    parser.feed(page.content.decode())
    fields: dict[str, list[str]] = {}
    for name, value in parser.data:
        fields.setdefault(name, []).append(value)
    for name, value in changes.items():
        fields[name] = [value]
    fields["_save"] = ["Save"]
    response = client.post(url, fields)
    assert response.status_code == 302, response.content.decode()[:3000]
    return response
