from allauth.socialaccount.adapter import DefaultSocialAccountAdapter


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Fill the GitHub handle and display name from the GitHub profile on first sign-in."""

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        extra = sociallogin.account.extra_data or {}
        if sociallogin.account.provider == "github":
            user.github = user.github or extra.get("login", "")
            user.display_name = user.display_name or extra.get("name") or ""
        return user
