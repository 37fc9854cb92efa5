"""Every message a client may send on the signaling socket, as one discriminated union."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, model_validator

MAX_FRAME_BYTES = 64 * 1024
PEER_PATTERN = r"^[0-9a-f]{32}$"

Peer = Annotated[str, StringConstraints(pattern=PEER_PATTERN)]


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Description(BaseModel):
    """An RTCSessionDescriptionInit; only offers and answers travel (no rollback)."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["offer", "answer"]
    sdp: Annotated[str, StringConstraints(max_length=60_000)]


class Candidate(BaseModel):
    """An RTCIceCandidateInit; an empty ``candidate`` marks the end of gathering."""

    model_config = ConfigDict(extra="ignore")
    candidate: Annotated[str, StringConstraints(max_length=1_000)]
    sdpMid: Annotated[str, StringConstraints(max_length=64)] | None = None
    sdpMLineIndex: Annotated[int, Field(ge=0, le=64)] | None = None
    usernameFragment: Annotated[str, StringConstraints(max_length=256)] | None = None


class SignalIn(_Message):
    type: Literal["signal"]
    to: Peer
    description: Description | None = None
    candidate: Candidate | None = None

    @model_validator(mode="after")
    def one_payload(self) -> "SignalIn":
        if (self.description is None) == (self.candidate is None):
            raise ValueError("a signal carries a description or a candidate")
        return self


class MediaIn(_Message):
    type: Literal["media"]
    state: Literal["flowing", "stalled"]


class WarnIn(_Message):
    type: Literal["warn"]
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class EndIn(_Message):
    type: Literal["end"]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class LeaveIn(_Message):
    type: Literal["leave"]


class PingIn(_Message):
    type: Literal["ping"]


Incoming = Annotated[
    SignalIn | MediaIn | WarnIn | EndIn | LeaveIn | PingIn, Field(discriminator="type")
]
incoming = TypeAdapter(Incoming)

# What each role may send; anything else is answered with an error.
ALLOWED: dict[str, frozenset[str]] = {
    "terminal": frozenset({"signal", "media", "ping"}),
    "family": frozenset({"signal", "leave", "ping"}),
    "officer": frozenset({"signal", "warn", "end", "ping"}),
}
