"""Vonage Meetings wire models of themes, logos and the application: request bodies with Joi's rules (the
spec's patterns and lengths; strings may not be empty or null) and the answers as the SDKs recorded them.

An optional string may be left out but not sent as ``null`` (Joi: ``"theme_name" must be a string``); read
what was sent with ``model_dump(exclude_unset=True)``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

MAIN_COLOR_PATTERN = "#([a-fA-F0-9]{6}|[a-fA-F0-9]{3})$"
SHORT_COMPANY_URL_PATTERN = "^(?=.*[a-zA-Z_~-])([a-zA-Z0-9_~-]+)$"
MAX_THEME_NAME = 200
MAX_BRAND_TEXT = 200
MAX_SHORT_COMPANY_URL = 128
MAX_KEY = 255


def _not_null(value: Any) -> Any:
    if value is None:
        raise PydanticCustomError("string_type", "Input should be a valid string")
    return value


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store U+0000 in text.
    if "\x00" in value:
        raise ValueError("must not contain null characters")
    return value


NoNul = AfterValidator(_no_nul)


def _schema(max_length: int, pattern: str | None = None, example: str | None = None) -> WithJsonSchema:
    """The JSON schema of an optional string (a string: null is not accepted)."""
    schema: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": max_length}
    if pattern is not None:
        schema["pattern"] = pattern
    if example is not None:
        schema["examples"] = [example]
    return WithJsonSchema(schema)


# Joi strings: not empty, limited in length, some with a pattern.
ThemeName = Annotated[str, StringConstraints(min_length=1, max_length=MAX_THEME_NAME), NoNul]
MainColor = Annotated[str, StringConstraints(min_length=1, max_length=7, pattern=MAIN_COLOR_PATTERN), NoNul]
BrandText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_BRAND_TEXT), NoNul]
ShortCompanyUrl = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_SHORT_COMPANY_URL, pattern=SHORT_COMPANY_URL_PATTERN),
    NoNul,
]
# The same, optional but never null.
NotNull = BeforeValidator(_not_null)
OptionalThemeName = Annotated[ThemeName | None, NotNull, _schema(MAX_THEME_NAME, example="Theme1")]
OptionalMainColor = Annotated[MainColor | None, NotNull, _schema(7, MAIN_COLOR_PATTERN, "#12f64e")]
OptionalBrandText = Annotated[BrandText | None, NotNull, _schema(MAX_BRAND_TEXT, example="Brand")]
OptionalShortCompanyUrl = Annotated[
    ShortCompanyUrl | None,
    NotNull,
    _schema(MAX_SHORT_COMPANY_URL, SHORT_COMPANY_URL_PATTERN, "my-company"),
]
LogoType = Literal["white", "colored", "favicon"]


class Body(BaseModel):
    """Base of the request bodies: unknown keys are ignored; patterns may use look-ahead (as in the spec)."""

    model_config = ConfigDict(extra="ignore", regex_engine="python-re")


class CreateTheme(Body):
    """Body of POST /themes. Without ``theme_name`` the theme is named by a new UUID."""

    model_config = ConfigDict(title="CreateThemeDetails")

    theme_name: OptionalThemeName = Field(default=None, description="Unique in the application.")
    main_color: MainColor = Field(examples=["#12f64e"])
    brand_text: BrandText
    short_company_url: OptionalShortCompanyUrl = Field(default=None, description="Unique in the application.")


class ThemeChanges(Body):
    """What PATCH /themes/{theme_id} may change (at least one key)."""

    model_config = ConfigDict(title="UpdateThemeDetails")

    theme_name: OptionalThemeName = None
    main_color: OptionalMainColor = None
    brand_text: OptionalBrandText = None
    short_company_url: OptionalShortCompanyUrl = None


class UpdateTheme(Body):
    """Body of PATCH /themes/{theme_id}: the changes in ``update_details`` (or ``update_options``)."""

    model_config = ConfigDict(title="UpdateThemeRequest")

    update_details: ThemeChanges | None = None
    update_options: ThemeChanges | SkipJsonSchema[None] = Field(
        default=None, description="The same changes under the Node SDK's name (used without update_details)."
    )


class ApplicationChanges(Body):
    model_config = ConfigDict(title="UpdateApplicationDetails")

    default_theme_id: Annotated[str, StringConstraints(max_length=128)] | None = Field(
        default=None, description="The theme new rooms get (null: none)."
    )


class UpdateApplication(Body):
    """Body of PATCH /applications."""

    model_config = ConfigDict(title="UpdateApplicationRequest")

    update_details: ApplicationChanges | None = None
    update_options: ApplicationChanges | SkipJsonSchema[None] = Field(
        default=None, description="The same changes under the Node SDK's name (used without update_details)."
    )


class FinalizeLogos(Body):
    """Body of PUT /themes/{theme_id}/finalizeLogos: the uploaded keys to attach to the theme."""

    model_config = ConfigDict(title="FinalizeThemeLogosRequestBody")

    keys: list[Annotated[str, StringConstraints(min_length=1, max_length=MAX_KEY)]] = Field(
        min_length=1, examples=[["auto-expiring-temp/logos/white/ca63a155-d5f0-4131-9903-c59907e53df0"]]
    )


# --- answers ---------------------------------------------------------------------------------------------


class Theme(BaseModel):
    """A theme. The logo keys and URLs are null until logos are finalised."""

    model_config = ConfigDict(title="Theme")

    theme_id: str = Field(json_schema_extra={"format": "uuid"})
    theme_name: str
    domain: Literal["VCP", "VBC"]
    account_id: str
    application_id: str
    main_color: str
    short_company_url: str | None
    brand_text: str
    brand_image_colored: str | None
    brand_image_white: str | None
    branded_favicon: str | None
    brand_image_white_url: str | None
    brand_image_colored_url: str | None
    branded_favicon_url: str | None


class Application(BaseModel):
    model_config = ConfigDict(title="Application")

    application_id: str
    account_id: str
    default_theme_id: str | None


class UploadFields(BaseModel):
    """The form fields to POST with the file (S3 presigned-POST style)."""

    model_config = ConfigDict(title="LogoUploadFields", populate_by_name=True)

    content_type: str = Field(alias="Content-Type", examples=["image/png"])
    key: str = Field(examples=["auto-expiring-temp/logos/white/ca63a155-d5f0-4131-9903-c59907e53df0"])
    logoType: LogoType  # noqa: N815 (the vendor's name)
    bucket: str
    algorithm: str = Field(alias="X-Amz-Algorithm")
    credential: str = Field(alias="X-Amz-Credential")
    date: str = Field(alias="X-Amz-Date")
    security_token: str = Field(alias="X-Amz-Security-Token")
    policy: str = Field(alias="Policy")
    signature: str = Field(alias="X-Amz-Signature")


class UploadUrl(BaseModel):
    model_config = ConfigDict(title="UploadUrlForTheme")

    url: str = Field(description="Where to POST the form (omnimeet's own storage endpoint).")
    fields: UploadFields
