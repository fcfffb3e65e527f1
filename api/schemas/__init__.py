"""Request and response bodies of the admin API (design §7.2); the entry itself is knowledge.schema.EntryDoc."""

from api.schemas.base import (
    COUNTRY_PATTERN,
    MAX_INT,
    NAME_PATTERN,
    SLUG_PATTERN,
    TEXT_PATTERN,
    ConflictOut,
    ErrorOut,
    IsoDate,
    Lang,
    Role,
    error_response,
)
from api.schemas.editorial import (
    NOT_BLANK_PATTERN,
    WORDS_PATTERN,
    AuditOut,
    AuditPage,
    CountriesPage,
    DayOut,
    FeedbackOut,
    FeedbackPage,
    ImportReportOut,
    LexiconIn,
    LexiconLang,
    LexiconOut,
    LexiconPage,
    ProblemOut,
    ResolvedOut,
    ResolveIn,
    ReviewStatsOut,
    StatsOut,
    TurnStatsOut,
    UnansweredOut,
    UnansweredPage,
)
from api.schemas.entries import (
    CLEARABLE,
    AskIn,
    ButtonOut,
    CandidateOut,
    EntriesPage,
    EntryPatch,
    ReplyOut,
    RevisionOut,
    RevisionsPage,
    TurnOut,
)
from api.schemas.tokens import (
    TokenCreated,
    TokenIn,
    TokenOut,
    TokensPage,
)

__all__ = ["CLEARABLE", "COUNTRY_PATTERN", "MAX_INT", "NAME_PATTERN", "NOT_BLANK_PATTERN", "SLUG_PATTERN", "TEXT_PATTERN", "WORDS_PATTERN", "AskIn", "AuditOut", "AuditPage", "ButtonOut", "CandidateOut", "ConflictOut", "CountriesPage", "DayOut", "EntriesPage", "EntryPatch", "ErrorOut", "FeedbackOut", "FeedbackPage", "ImportReportOut", "IsoDate", "Lang", "LexiconIn", "LexiconLang", "LexiconOut", "LexiconPage", "ProblemOut", "ReplyOut", "ResolveIn", "ResolvedOut", "ReviewStatsOut", "RevisionOut", "RevisionsPage", "Role", "StatsOut", "TokenCreated", "TokenIn", "TokenOut", "TokensPage", "TurnOut", "TurnStatsOut", "UnansweredOut", "UnansweredPage", "error_response"]
