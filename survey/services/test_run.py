"""The test run ("Probelauf") of a draft survey: test invitations to colleagues, what the run holds,
and discarding it when the survey is opened for real.

A test invitation is an `Invitation` with `test = True` (created by `invitations.invite_test`): it
gets the normal invitation mail with "[Probelauf]" in front of the subject, and its personal link
works on the draft (the respondent views let test invitations in; the questions are shown as they
are now, never from the cache of frozen surveys). Its answers are marked in the results
(`results.dataset.TEST_MARK`); counts, the response rate, reminders and follow-up waves leave test
invitations out (`Invitation.test.is_(False)` in their queries). Opening the survey
(`discard`, called by the planner's open view before `surveys.open_survey`, which refuses while a
test invitation is left) deletes the test invitations with their answers, mails and bounce reports.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa

from questionnaires import formatting as fmt

from ..extensions import db
from ..models import BounceReport, Delegation, Invitation, OutboxMessage, Response, Survey, User
from . import audit
from .address_paste import check_address, parse_paste
from .invitations import invite_test
from .surveys import SurveyError


@dataclass(frozen=True)
class Holdings:
    """What a test run holds: test invitations, their answers (started, submitted) and mails."""

    invitations: int = 0
    responses: int = 0
    submitted: int = 0
    mails: int = 0

    def __bool__(self) -> bool:
        return self.invitations > 0


@dataclass
class Started:
    """What `start` did, for the message to the planner."""

    invited: list[Invitation] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # addresses already in the test run


def colleagues(kommune_id: int) -> list[User]:
    """The Kommune's active staff accounts, the people a planner can pick for a test run."""
    return list(db.session.scalars(sa.select(User).where(User.kommune_id == kommune_id, User.active.is_(True))
                                   .order_by(sa.func.lower(User.display_name), User.email)))


def test_invitations(survey: Survey) -> list[Invitation]:
    return list(db.session.scalars(sa.select(Invitation).where(Invitation.survey_id == survey.id,
                                                               Invitation.test.is_(True)).order_by(Invitation.id)))


def _test_ids(survey: Survey) -> sa.Select:
    return sa.select(Invitation.id).where(Invitation.survey_id == survey.id, Invitation.test.is_(True))


def holdings(survey: Survey) -> Holdings:
    """How many test invitations, answers and mails the survey's test run holds (three small counts)."""
    invitations = db.session.scalar(sa.select(sa.func.count()).select_from(_test_ids(survey).subquery())) or 0
    if not invitations:
        return Holdings()
    responses, submitted = db.session.execute(
        sa.select(sa.func.count(Response.id), sa.func.count(Response.submitted_at))
        .where(Response.invitation_id.in_(_test_ids(survey)))).one()
    mails = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))
                              .where(OutboxMessage.invitation_id.in_(_test_ids(survey)))) or 0
    return Holdings(invitations, responses, submitted, mails)


def _chosen(survey: Survey, user_ids: Iterable[int]) -> list[User]:
    ids = set(user_ids)
    return [user for user in colleagues(survey.kommune_id) if user.id in ids]


def start(survey: Survey, user_ids: Iterable[int], addresses: str) -> Started:
    """Send test invitations to the chosen staff accounts and the typed addresses.

    Raises SurveyError (nothing is sent) when the survey is not a draft, nobody was chosen, or a
    typed address is invalid; an address already in the test run is skipped and named.
    """
    if not survey.is_draft:
        raise SurveyError("Ein Probelauf geht nur, solange die Befragung ein Entwurf ist. Eine geöffnete Befragung "
                          "können Sie als Kopie noch einmal im Probelauf testen.")
    users = _chosen(survey, user_ids)
    typed = parse_paste(addresses)
    problems = []
    for entry in typed:
        _email, reason = check_address(entry.address)
        if reason:
            problems.append(f"„{entry.raw.strip()}“ ist keine gültige E-Mail-Adresse: {reason}")
    if problems:
        raise SurveyError("Es ist noch nichts verschickt. " + " ".join(problems))
    if not users and not typed:
        raise SurveyError("Bitte wählen Sie mindestens eine Kollegin oder einen Kollegen aus oder tragen Sie "
                          "eine E-Mail-Adresse ein.")
    already = {invitation.email.lower() for invitation in test_invitations(survey)}
    result = Started()
    wanted = [(u.email, u.display_name, u.display_name) for u in users]
    wanted += [(e.address, e.organisation or e.name, e.name) for e in typed]
    for address, organisation, name in wanted:
        email, _reason = check_address(address)
        if email in already:
            result.skipped.append(email)
            continue
        already.add(email)
        result.invited.append(invite_test(survey, email, organisation, name))
    if result.invited:
        invited = {i.email.lower() for i in result.invited}
        staff = [u.display_name for u in users if u.email.lower() in invited]
        others = len(result.invited) - len(staff)
        whom = _whom(staff, others)
        audit.record(survey.kommune_id, "test_run.started",
                     f"Probelauf von „{survey.title}“: "
                     f"{fmt.counted(len(result.invited), 'Test-Einladung', 'Test-Einladungen')} an {whom}",
                     obj=survey, survey_id=survey.id,
                     after={"Test-Einladungen": len(result.invited), "Kolleginnen und Kollegen": staff,
                            "Weitere Adressen": others})
    return result


def _whom(staff: list[str], others: int) -> str:
    """"Anna Becker, Ben Kurz und 2 weitere Adressen": staff by name, typed addresses only counted."""
    typed = f"{others} {'weitere ' if staff else ''}{'Adresse' if others == 1 else 'Adressen'}" if others else ""
    return " und ".join(part for part in (", ".join(staff), typed) if part)


def discard(survey: Survey) -> Holdings:
    """Delete the test run: its invitations, their answers, mails, bounce reports and delegations (same
    transaction)."""
    held = holdings(survey)
    if not held:
        return held
    db.session.flush()
    ids = list(db.session.scalars(_test_ids(survey)))
    mails = sa.select(OutboxMessage.id).where(OutboxMessage.invitation_id.in_(ids))
    db.session.execute(sa.delete(BounceReport).where(
        sa.or_(BounceReport.invitation_id.in_(ids), BounceReport.outbox_id.in_(mails))))
    db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.invitation_id.in_(ids)))
    db.session.execute(sa.delete(Response).where(Response.invitation_id.in_(ids)))
    db.session.execute(sa.delete(Delegation).where(Delegation.invitation_id.in_(ids)))  # a tester passed it on
    db.session.execute(sa.delete(Invitation).where(Invitation.id.in_(ids)))
    audit.record(survey.kommune_id, "test_run.discarded",
                 f"Probelauf von „{survey.title}“ verworfen: "
                 f"{fmt.counted(held.invitations, 'Test-Einladung', 'Test-Einladungen')}, "
                 f"{fmt.counted(held.responses, 'Antwort', 'Antworten')} ({held.submitted} abgeschickt), "
                 f"{fmt.counted(held.mails, 'E-Mail', 'E-Mails')} gelöscht",
                 obj=survey, survey_id=survey.id,
                 before={"Test-Einladungen": held.invitations, "Test-Antworten": held.responses,
                         "davon abgeschickt": held.submitted, "E-Mails": held.mails})
    return held
