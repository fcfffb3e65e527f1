"""One pipeline for every channel: the dispatcher (a user's message end to end), sending with the outbox,
and the per-user lock. See ARCHITECTURE.md for the path of one update."""

from bot.dispatch.inbound import Dispatcher, Outcome, Report
from bot.dispatch.locks import LockTimeout, UserLocks
from bot.dispatch.outbound import DeliveryMetrics, NoMetrics, Outbound, OutboxPolicy, Tally

__all__ = ["DeliveryMetrics", "Dispatcher", "LockTimeout", "NoMetrics", "Outbound", "OutboxPolicy", "Outcome",
           "Report", "Tally", "UserLocks"]
