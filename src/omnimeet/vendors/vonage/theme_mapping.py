"""Themes between the wire and the store.

A theme's ``settings`` document holds its wire fields: ``main_color``, ``brand_text``,
``short_company_url``, ``domain`` and the logo keys (``brand_image_white``, ``brand_image_colored``,
``branded_favicon``). The logo URLs are not stored: they are built from the keys and the base URL of the
request being answered (omnimeet serves the logos itself, under ``<mount>/_s3/logos/<key>``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from omnimeet.domain.themes import Theme
from omnimeet.vendors.vonage.auth import Caller

DOMAIN = "VCP"
"""The theme's domain: Vonage Meetings themes are VCP (VBC was Vonage Business Communications')."""
LOGO_FIELDS = {"white": "brand_image_white", "colored": "brand_image_colored", "favicon": "branded_favicon"}
"""Logo type -> the theme field holding its key (``<field>_url`` holds its link)."""
UNIQUE_SETTINGS = ("short_company_url",)
"""Settings no two themes of an application may share."""
OBJECTS_PATH = "/_s3/logos"
"""Where the logo storage lives, relative to the mount: POST a form here, GET ``<path>/<key>``."""


def object_url(base: str, key: str) -> str:
    return f"{base}{OBJECTS_PATH}/{quote(key, safe='/')}"


def new_settings(sent: dict[str, Any]) -> dict[str, Any]:
    """The settings document of a new theme from the create body's fields."""
    return {
        "domain": DOMAIN,
        "main_color": sent["main_color"],
        "short_company_url": sent.get("short_company_url"),
        "brand_text": sent["brand_text"],
        **dict.fromkeys(LOGO_FIELDS.values()),
    }


def theme_body(theme: Theme, caller: Caller, base: str) -> dict[str, Any]:
    doc = theme.document()
    keys = {field: doc.get(field) for field in LOGO_FIELDS.values()}
    urls = {field: None if key is None else object_url(base, str(key)) for field, key in keys.items()}
    return {
        "theme_id": theme.public_id,
        "theme_name": theme.name,
        "domain": doc.get("domain", DOMAIN),
        "account_id": caller.account_id,
        "application_id": caller.application_id,
        "main_color": doc.get("main_color"),
        "short_company_url": doc.get("short_company_url"),
        "brand_text": doc.get("brand_text"),
        "brand_image_colored": keys["brand_image_colored"],
        "brand_image_white": keys["brand_image_white"],
        "branded_favicon": keys["branded_favicon"],
        "brand_image_white_url": urls["brand_image_white"],
        "brand_image_colored_url": urls["brand_image_colored"],
        "branded_favicon_url": urls["branded_favicon"],
    }
