"""The viewflow.workflow peer of the transition benchmark (bench/transitions.py).

A plain open-source viewflow.workflow flow with the campaign's five stages as
consecutive nodes, on viewflow's own Process and Task tables::

    start ─► surveyed ─► employer_contacted ─► mobilising_committee ─► founding_congress ─► recognised ─► end
             (Handle)    (Handle)              (Handle)                 (Handle)             (Function)

A process "is at" the stage whose Handle task waits (status NEW). One stage
move is ``PeerFlow.<stage>.run(task, **data)``: viewflow locks the process row
(``lock.select_for_update_lock``: ``SELECT … FOR UPDATE NOWAIT``, retried),
re-reads the task, refuses it unless it still waits (viewflow's own
staleness check), runs the node's function (which checks the step's guard
and records its data on the process, as our composite service records the
meeting), marks the task done and creates the next stage's task.

Only the benchmark uses this flow; nothing in the application refers to it.
"""
from __future__ import annotations

from viewflow import this
from viewflow.workflow import flow, lock


class PeerFlow(flow.Flow):
    """Campaign stages (benchmark peer)"""

    lock_impl = lock.select_for_update_lock
    process_title = "Campaign stages (benchmark peer)"

    start = flow.StartHandle(this.open_case).Next(this.surveyed)
    surveyed = flow.Handle(this.contact_employer).Next(this.employer_contacted)
    employer_contacted = flow.Handle(this.form_committee).Next(this.mobilising_committee)
    mobilising_committee = flow.Handle(this.hold_congress).Next(this.founding_congress)
    founding_congress = flow.Handle(this.recognise).Next(this.recognised)
    recognised = flow.Function(this.close_case).Next(this.end)
    end = flow.End()

    # --- what the nodes call --------------------------------------------------------
    def open_case(self, activation, enterprise: str = ""):
        activation.process.data = {"enterprise": enterprise, "stage": "surveyed"}
        return activation.process

    def contact_employer(self, activation, held_on=None, outcome: str = ""):
        if held_on is None or outcome not in ("supportive", "neutral", "opposed"):
            raise ValueError("A meeting with the employer must be recorded first.")
        self._record(activation, "employer_contacted", employer_met_on=held_on.isoformat(),
                     employer_meeting_outcome=outcome)

    def form_committee(self, activation, members: int = 0):
        if members < 3:
            raise ValueError("The mobilising committee needs at least 3 core workers.")
        self._record(activation, "mobilising_committee", committee_size=members)

    def hold_congress(self, activation, applications: int = 0, congress_on=None):
        if applications < 5 or congress_on is None:
            raise ValueError("At least 5 applications and the congress date are needed.")
        self._record(activation, "founding_congress", applications=applications,
                     congress_on=congress_on.isoformat())

    def recognise(self, activation, decision_number: str = "", admitted_members: int = 0):
        if not decision_number or admitted_members < 5:
            raise ValueError("Recognition needs the decision and at least 5 admitted members.")
        self._record(activation, "recognised", decision_number=decision_number,
                     admitted_members=admitted_members)

    def close_case(self, activation) -> None:
        """The recognised stage: nothing waits, the process ends."""

    @staticmethod
    def _record(activation, stage: str, **data) -> None:
        process = activation.process
        process.data = {**(process.data or {}), **data, "stage": stage}
        process.save(update_fields=["data"])
