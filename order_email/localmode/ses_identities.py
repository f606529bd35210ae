"""`LocalSes`'s identities and configuration sets: the SESv2 operations that create, read and delete them.

SES compares identity names case-insensitively and configuration-set names exactly; an identity's
default configuration set must exist. Event destinations are stored (the parent's SES simulator
publishes the events).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from order_email.localmode import ses_rules as rules
from order_email.localmode.ses_records import ConfigurationSet, Identity, SesError

BEHAVIORS_ON_MX_FAILURE = ("USE_DEFAULT_VALUE", "REJECT_MESSAGE")


class IdentityOperations:
    """A mixin of `LocalSes`: every public method holds the account's one lock."""

    _lock: threading.Lock
    _identities: dict[str, Identity]
    """Lower-case name → identity (SES compares identities case-insensitively)."""
    _sets: dict[str, ConfigurationSet]
    _destinations: dict[str, dict[str, dict[str, Any]]]

    # -- identities ------------------------------------------------------------------------------

    def create_email_identity(self, params: Mapping[str, Any]) -> dict[str, Any]:
        name = str(params["EmailIdentity"])
        signing = dict(params.get("DkimSigningAttributes") or {})
        rules.refuse_not_emulated(signing, ["DomainSigningSelector", "DomainSigningPrivateKey"])  # bring-your-own DKIM
        with self._lock:
            if name.lower() in self._identities:
                raise SesError("AlreadyExistsException", f"Email identity {name} already exist.")  # SES's text
            if params.get("ConfigurationSetName"):
                self._set(params["ConfigurationSetName"])
            identity = Identity(
                name=name, configuration_set=params.get("ConfigurationSetName") or None,
                dkim_tokens=tuple(uuid.uuid4().hex for _ in range(3)) if "@" not in name else (),
                signing_key_length=signing.get("NextSigningKeyLength") or "RSA_2048_BIT",
                tags=tuple((tag["Key"], tag["Value"]) for tag in params.get("Tags") or []))
            self._identities[name.lower()] = identity
            return {"IdentityType": identity.identity_type, "VerifiedForSendingStatus": False,
                    "DkimAttributes": identity.dkim_attributes()}

    def get_email_identity(self, params: Mapping[str, Any]) -> dict[str, Any]:
        with self._lock:
            identity = self._identity(params["EmailIdentity"])
            answer = {
                "IdentityType": identity.identity_type, "FeedbackForwardingStatus": True,
                "VerifiedForSendingStatus": identity.verified, "DkimAttributes": identity.dkim_attributes(),
                "MailFromAttributes": identity.mail_from_attributes(), "Policies": {},
                "Tags": [{"Key": key, "Value": value} for key, value in identity.tags],
                "VerificationStatus": identity.verification_status,
            }
            if identity.configuration_set:
                answer["ConfigurationSetName"] = identity.configuration_set
            return answer

    def list_email_identities(self, params: Mapping[str, Any]) -> dict[str, Any]:
        with self._lock:
            items = [{"IdentityType": identity.identity_type, "IdentityName": identity.name,
                      "SendingEnabled": identity.verified, "VerificationStatus": identity.verification_status}
                     for identity in self._identities.values()]
            return rules.page(items, params, "EmailIdentities")

    def delete_email_identity(self, params: Mapping[str, Any]) -> dict[str, Any]:
        with self._lock:
            del self._identities[self._identity(params["EmailIdentity"]).name.lower()]
            return {}

    def put_email_identity_mail_from_attributes(self, params: Mapping[str, Any]) -> dict[str, Any]:
        behavior = params.get("BehaviorOnMxFailure") or "USE_DEFAULT_VALUE"
        if behavior not in BEHAVIORS_ON_MX_FAILURE:
            raise SesError("BadRequestException", f"Invalid BehaviorOnMxFailure {behavior}.")
        with self._lock:
            identity = self._identity(params["EmailIdentity"])
            self._store(replace(identity, mail_from_domain=params.get("MailFromDomain") or None,
                                mail_from_verified=False, mail_from_unverified_status="PENDING",
                                behavior_on_mx_failure=behavior))
            return {}

    def put_email_identity_configuration_set_attributes(self, params: Mapping[str, Any]) -> dict[str, Any]:
        with self._lock:
            identity = self._identity(params["EmailIdentity"])
            if params.get("ConfigurationSetName"):
                self._set(params["ConfigurationSetName"])
            self._store(replace(identity, configuration_set=params.get("ConfigurationSetName") or None))
            return {}

    # -- configuration sets ----------------------------------------------------------------------

    def create_configuration_set(self, params: Mapping[str, Any]) -> dict[str, Any]:
        name = str(params["ConfigurationSetName"])
        sending, suppression = params.get("SendingOptions"), params.get("SuppressionOptions")
        with self._lock:
            if name in self._sets:
                raise SesError("AlreadyExistsException", f"Configuration set {name} already exists.")
            self._sets[name] = ConfigurationSet(
                name=name,
                sending_enabled=None if sending is None else bool(sending.get("SendingEnabled", False)),
                suppressed_reasons=None if suppression is None
                else rules.suppression_reasons(suppression.get("SuppressedReasons") or []),
                options=tuple((key, value) for key, value in params.items()
                              if key not in ("ConfigurationSetName", "SendingOptions", "SuppressionOptions")))
            self._destinations[name] = {}
            return {}

    def get_configuration_set(self, params: Mapping[str, Any]) -> dict[str, Any]:
        with self._lock:
            found = self._set(params["ConfigurationSetName"])
            answer: dict[str, Any] = {"ConfigurationSetName": found.name, **dict(found.options)}
            if found.sending_enabled is not None:
                answer["SendingOptions"] = {"SendingEnabled": found.sending_enabled}
            if found.suppressed_reasons is not None:
                answer["SuppressionOptions"] = {"SuppressedReasons": list(found.suppressed_reasons)}
            return answer

    def list_configuration_sets(self, params: Mapping[str, Any]) -> dict[str, Any]:
        with self._lock:
            return rules.page(list(self._sets), params, "ConfigurationSets")

    def delete_configuration_set(self, params: Mapping[str, Any]) -> dict[str, Any]:
        with self._lock:
            name = self._set(params["ConfigurationSetName"]).name
            del self._sets[name], self._destinations[name]
            return {}

    def put_configuration_set_sending_options(self, params: Mapping[str, Any]) -> dict[str, Any]:
        with self._lock:
            found = self._set(params["ConfigurationSetName"])
            self._sets[found.name] = replace(found, sending_enabled=bool(params.get("SendingEnabled", False)))
            return {}

    def put_configuration_set_suppression_options(self, params: Mapping[str, Any]) -> dict[str, Any]:
        rules.refuse_not_emulated(params, ["ValidationOptions"])
        if params.get("SuppressionScope") not in (None, "ACCOUNT"):
            raise SesError("BadRequestException", "Tenant suppression scope is not emulated by local mode")
        with self._lock:
            found = self._set(params["ConfigurationSetName"])
            reasons = rules.suppression_reasons(params.get("SuppressedReasons") or [])
            self._sets[found.name] = replace(found, suppressed_reasons=reasons)
            return {}

    def create_configuration_set_event_destination(self, params: Mapping[str, Any]) -> dict[str, Any]:
        with self._lock:
            destinations = self._destinations_of(params)
            name = str(params["EventDestinationName"])
            if name in destinations:
                raise SesError("AlreadyExistsException", f"Event destination {name} already exists.")
            destinations[name] = dict(params["EventDestination"])
            return {}

    def get_configuration_set_event_destinations(self, params: Mapping[str, Any]) -> dict[str, Any]:
        with self._lock:
            destinations = self._destinations_of(params)
            return {"EventDestinations": [{"Name": name, **destination} for name, destination in destinations.items()]}

    def delete_configuration_set_event_destination(self, params: Mapping[str, Any]) -> dict[str, Any]:
        with self._lock:
            destinations = self._destinations_of(params)
            name = str(params["EventDestinationName"])
            if destinations.pop(name, None) is None:
                raise SesError("NotFoundException", f"Event destination {name} does not exist.")
            return {}

    # -- helpers (the caller holds the lock) ------------------------------------------------------

    def _identity(self, name: str) -> Identity:
        found = self._identities.get(str(name).lower())
        if found is None:
            raise SesError("NotFoundException", f"Email identity {name} does not exist.")
        return found

    def _store(self, identity: Identity) -> None:
        self._identities[identity.name.lower()] = identity

    def _set(self, name: str) -> ConfigurationSet:
        found = self._sets.get(str(name))
        if found is None:
            raise SesError("NotFoundException", f"Configuration set {name} does not exist.")
        return found

    def _destinations_of(self, params: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
        return self._destinations[self._set(params["ConfigurationSetName"]).name]
