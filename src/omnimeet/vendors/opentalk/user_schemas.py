"""OpenTalk bodies of the users, auth, tariff and TURN routes (the seed's shapes; 0.35 where it is vague).

Response models document the answers (the routes send plain JSON built by ``mapping`` and ``tariff_rules``);
request models are what the routes read.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from omnimeet.vendors.opentalk.validators import no_nul

# Strings of at most so many characters, without NUL characters (databases refuse them).
Text255 = Annotated[str, StringConstraints(max_length=255), AfterValidator(no_nul)]
Text128 = Annotated[str, StringConstraints(max_length=128), AfterValidator(no_nul)]
"""Themes (the controller's limit)."""
Text35 = Annotated[str, StringConstraints(max_length=35), AfterValidator(no_nul)]

# --- users ------------------------------------------------------------------------------------------------


class UserProfile(BaseModel):
    """What every user of the deployment may see of another."""

    model_config = ConfigDict(title="PublicUserProfile")

    id: str = Field(description="The user's id (a UUID).", examples=["0f4b2c0e-3d4a-4b8e-9a51-4b7c2f0d1e2a"])
    email: str = Field(examples=["alice@example.com"])
    title: str = Field(description="A title such as `Dr.` (empty when none).", examples=[""])
    firstname: str = Field(examples=["Alice"])
    lastname: str = Field(examples=["Adams"])
    display_name: str = Field(examples=["Alice Adams"])
    avatar_url: str = Field(description="An image of the user (libravatar URL of the e-mail's MD5).")


class PrivateUserProfile(UserProfile):
    """The signed-in user's own profile: the public one plus preferences, tariff status and storage use."""

    model_config = ConfigDict(title="PrivateUserProfile")

    dashboard_theme: str = Field(description="The dashboard UI theme (empty: the default).")
    conference_theme: str = Field(description="The conference UI theme (empty: the default).")
    language: str = Field(description="The preferred language (RFC 5646; empty: none chosen).")
    tariff_status: Literal["default", "paid", "downgraded"] = Field(description="The state of the tariff.")
    used_storage: int = Field(
        ge=0, description="Bytes of the files (recordings ...) stored in the rooms the user created."
    )


class PatchMeBody(BaseModel):
    """Changes to the signed-in user's settings; absent or null fields stay as they are."""

    model_config = ConfigDict(title="PatchUserBody")

    title: Text255 | None = Field(default=None, description="A title such as `Dr.`.")
    display_name: Text255 | None = None
    language: Text35 | None = Field(default=None, description="RFC 5646 language tag.")
    dashboard_theme: Text128 | None = None
    conference_theme: Text128 | None = None


class RegisteredUserFound(UserProfile):
    """A user of the deployment that matched the search."""

    model_config = ConfigDict(title="RegisteredUserFound")

    kind: Literal["registered"]


class UnregisteredUserFound(BaseModel):
    """A person the identity provider knows who never signed in (not produced by omnimeet: it has no
    identity-provider directory; listed for clients that handle both kinds)."""

    model_config = ConfigDict(title="UnregisteredUserFound")

    kind: Literal["unregistered"]
    email: str
    firstname: str
    lastname: str
    avatar_url: str


# --- auth -------------------------------------------------------------------------------------------------


class LoginBody(BaseModel):
    model_config = ConfigDict(title="Login")

    id_token: str = Field(
        description="The OIDC id token (a JWT: `sub`, `email`, `given_name`, `family_name`)."
    )


class LoginResponse(BaseModel):
    model_config = ConfigDict(title="LoginResponse")

    permissions: list[str] = Field(description="The user's permissions (the controller sends none).")


class OidcProvider(BaseModel):
    model_config = ConfigDict(title="OidcProvider")

    name: str = Field(examples=["default"])
    url: str = Field(description="The provider's URL (its issuer).")


class OidcProviderInfo(BaseModel):
    model_config = ConfigDict(title="GetLoginResponse")

    oidc: OidcProvider


# --- tariffs ----------------------------------------------------------------------------------------------


class TariffModule(BaseModel):
    model_config = ConfigDict(title="TariffModuleResource")

    features: list[str] = Field(description="The module's features the tariff enables.")


class Tariff(BaseModel):
    """A tariff: its quotas and the signalling modules (and their features) it enables."""

    model_config = ConfigDict(title="Tariff")

    id: str = Field(description="The tariff's id (a UUID).")
    name: str = Field(examples=["default"])
    quotas: dict[str, int] = Field(description="Quota name to limit, e.g. `max_storage`.")
    enabled_modules: list[str] = Field(description="The modules the tariff enables.")
    disabled_features: list[str] = Field(description="Features (`module::feature`) the tariff withholds.")
    modules: dict[str, TariffModule] = Field(description="The enabled modules with their enabled features.")


# --- TURN -------------------------------------------------------------------------------------------------


class TurnCredentials(BaseModel):
    """Credentials for TURN servers (TURN REST API: the username carries the expiry, the password is its
    HMAC-SHA1 under the server's shared secret)."""

    model_config = ConfigDict(title="TurnCredentials")

    username: str = Field(description="`<expiry>:turn_random_for_privacy_<base64>`.")
    password: str = Field(description="Base64 of HMAC-SHA1(shared secret, username).")
    ttl: str = Field(description="When the credentials expire (UNIX seconds), as the controller sends it.")
    uris: list[str] = Field(description="`turn:` / `turns:` URIs.")


class StunServers(BaseModel):
    model_config = ConfigDict(title="StunCredentials")

    uris: list[str] = Field(description="`stun:` / `stuns:` URIs.")
