"""re-mask the unanswered queue: rows stored before masking existed get knowledge.pii's placeholders

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 12:00:00.000000

The unanswered queue is the only text kept for editors and analysis (feedback and turn stats hold no text).
Since issue 19 `knowledge.store.record_unanswered` masks phone numbers, e-mail addresses, NIK, passport and
account numbers and names before a question is stored; rows written before that still hold them as typed.
This applies the same masking to them: every sample, and the grouping key, rebuilt from the masked sample
as `record_unanswered` does (the matcher's normalised text has lost the shapes masking looks for, such as
an e-mail's `@`). Rows whose masked key now equals another's are merged into the oldest, as if the question
had been recorded masked from the start. Idempotent: masking masked text changes nothing, so a second run
(or a database written only by masking code) updates no row. The downgrade keeps the masked text: what was
masked cannot be brought back.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from knowledge.normalize import raw_tokens
from knowledge.pii import mask

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

MAX_SAMPLES = 5  # knowledge.store.MAX_SAMPLES when this was written
KEY_CHARS = 500  # the column's length
_unanswered = sa.table(
    'unanswered',
    sa.column('id', sa.Integer()),
    sa.column('normalized', sa.String()),
    sa.column('lang', sa.String()),
    sa.column('samples', sa.JSON()),
    sa.column('count', sa.Integer()),
    sa.column('candidates', sa.JSON()),
    sa.column('status', sa.String()),
    sa.column('resolved_entry_id', sa.String()),
    sa.column('first_seen', sa.DateTime(timezone=True)),
    sa.column('last_seen', sa.DateTime(timezone=True)),
)


def masked_key(normalized: str, samples: list[str], masked: list[str]) -> str:
    """The grouping key `record_unanswered` would give this question today."""
    changed = next((m for s, m in zip(samples, masked, strict=True) if m != s), None)
    if changed is not None:  # rebuild from the masked text, as record_unanswered does
        normalized = " ".join(raw_tokens(changed))
    return mask(normalized).strip()[:KEY_CHARS] or (changed or normalized).strip().casefold()[:KEY_CHARS]


def _merge(into: dict[str, Any], other: dict[str, Any]) -> None:
    """Fold a row with the same masked key into the oldest one (counts add up, samples are shared)."""
    into['count'] = (into['count'] or 0) + (other['count'] or 0)
    for sample in other['samples']:
        if sample not in into['samples'] and len(into['samples']) < MAX_SAMPLES:
            into['samples'].append(sample)
    if other['last_seen'] is not None and (into['last_seen'] is None or other['last_seen'] > into['last_seen']):
        into['last_seen'], into['candidates'] = other['last_seen'], other['candidates']
    if other['first_seen'] is not None and (into['first_seen'] is None or other['first_seen'] < into['first_seen']):
        into['first_seen'] = other['first_seen']
    if other['status'] == 'open':  # still waiting for an editor in one of them: waiting in the merged one
        into['status'], into['resolved_entry_id'] = 'open', None


def upgrade() -> None:
    connection = op.get_bind()
    rows = [dict(r._mapping) for r in connection.execute(sa.select(_unanswered).order_by(_unanswered.c.id))]
    survivors: dict[tuple[str, str], dict[str, Any]] = {}
    changed: list[dict[str, Any]] = []
    gone: list[int] = []
    for row in rows:
        samples = [s for s in (row['samples'] or []) if isinstance(s, str)]
        masked = [mask(s) for s in samples]
        key = masked_key(row['normalized'], samples, masked)
        unique: list[str] = []
        for sample in masked:  # two samples may differ only in what is masked now
            if sample not in unique:
                unique.append(sample)
        is_changed = key != row['normalized'] or unique != row['samples']
        row = {**row, 'normalized': key, 'samples': unique}
        into = survivors.get((key, row['lang']))
        if into is None:
            survivors[(key, row['lang'])] = row
            if is_changed:
                changed.append(row)
            continue
        _merge(into, row)
        gone.append(row['id'])
        if into not in changed:
            changed.append(into)
    if gone:
        connection.execute(sa.delete(_unanswered).where(_unanswered.c.id.in_(gone)))
    # Two steps, so no row takes a key another still holds until its own update (the pair is unique).
    for row in changed:
        connection.execute(sa.update(_unanswered).where(_unanswered.c.id == row['id'])
                           .values(normalized=f"remask-{row['id']}"))
    for row in changed:
        connection.execute(sa.update(_unanswered).where(_unanswered.c.id == row['id']).values(
            normalized=row['normalized'], samples=row['samples'], count=row['count'], candidates=row['candidates'],
            status=row['status'], resolved_entry_id=row['resolved_entry_id'], first_seen=row['first_seen'],
            last_seen=row['last_seen']))


def downgrade() -> None:
    # Masked text stays masked: the personal data it held is gone on purpose.
    pass
