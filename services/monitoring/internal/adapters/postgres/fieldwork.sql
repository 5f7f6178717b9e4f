-- The fieldwork projection's tables (visits, publicity events, hotline calls,
-- assignments), created unqualified in each generation's schema. No names,
-- no notes, no phone numbers: ids, codes, dates, times and counts.
--
-- Nothing here updates the caseload's tables: the two streams arrive in no
-- order relative to each other, so queries join them when read.

-- One row per visit. A cancelled, missed or addendum event carries only the
-- visit id: the village, kind and persons come from this row. The
-- occurred_* columns are set once the visit is completed; occurred_on and
-- month are China's date and month of occurred_at: the visit counts for them.
CREATE TABLE visits (
    tenant        text        NOT NULL,
    visit_id      uuid        NOT NULL,
    kind          text        NOT NULL,
    village       text        NOT NULL,
    household_id  uuid,                  -- set when visited as a household
    persons       integer     NOT NULL,  -- person ids named (0: the household as a whole)
    social_worker text        NOT NULL,
    status        text        NOT NULL,  -- scheduled, completed, cancelled, missed
    planned_on    date,
    occurred_at   timestamptz,
    occurred_on   date,
    month         text,                  -- "YYYY-MM"
    version       bigint      NOT NULL,
    PRIMARY KEY (tenant, visit_id)
);
CREATE INDEX visits_completed_on ON visits (tenant, occurred_on) WHERE status = 'completed';
CREATE INDEX visits_completed_month ON visits (tenant, month, village) WHERE status = 'completed';

-- The persons a completed visit named: one contact each.
CREATE TABLE visit_persons (
    tenant    text   NOT NULL,
    visit_id  uuid   NOT NULL,
    person_id uuid   NOT NULL,
    PRIMARY KEY (tenant, visit_id, person_id)
);
CREATE INDEX visit_persons_person ON visit_persons (tenant, person_id);

-- Services and cards of each report of a visit (the first and any addenda):
-- a further report adds to the visit's figures.
CREATE TABLE visit_services (
    tenant    text NOT NULL,
    visit_id  uuid NOT NULL,
    report_id text NOT NULL,
    service   text NOT NULL,
    PRIMARY KEY (tenant, visit_id, report_id, service)
);

CREATE TABLE visit_cards (
    tenant    text    NOT NULL,
    visit_id  uuid    NOT NULL,
    report_id text    NOT NULL,
    edition   integer NOT NULL,
    count     integer NOT NULL,
    PRIMARY KEY (tenant, visit_id, report_id, edition)
);

-- The last visit or hotline follow-up per person, and the last visit of a
-- household as a whole (a contact with its members): what ListDueFollowUps
-- joins to the caseload's monthly updates. last_on is last_at's date in China.
CREATE TABLE person_contacts (
    tenant    text        NOT NULL,
    person_id uuid        NOT NULL,
    last_at   timestamptz NOT NULL,
    last_on   date        NOT NULL,
    last_kind text        NOT NULL, -- visit, hotline_follow_up
    PRIMARY KEY (tenant, person_id)
);

CREATE TABLE household_contacts (
    tenant       text        NOT NULL,
    household_id uuid        NOT NULL,
    last_at      timestamptz NOT NULL,
    last_on      date        NOT NULL,
    PRIMARY KEY (tenant, household_id)
);

-- Publicity events with their latest figures (a correction replaces
-- attendance and cards as a whole).
CREATE TABLE outreach_events (
    tenant     text    NOT NULL,
    event_id   uuid    NOT NULL,
    village    text    NOT NULL,
    held_on    date    NOT NULL,
    organiser  text    NOT NULL,
    attendance integer NOT NULL,
    PRIMARY KEY (tenant, event_id)
);
CREATE INDEX outreach_events_held_on ON outreach_events (tenant, held_on);

CREATE TABLE outreach_cards (
    tenant   text    NOT NULL,
    event_id uuid    NOT NULL,
    edition  integer NOT NULL,
    count    integer NOT NULL,
    PRIMARY KEY (tenant, event_id, edition)
);

-- Hotline calls: open until followed_up_at is set. due_at is the latest in
-- force (receipt, then each triage). caller_person_id is set when the caller
-- is on the register; an anonymous caller's number is never kept.
CREATE TABLE hotline_calls (
    tenant           text        NOT NULL,
    call_id          uuid        NOT NULL,
    line             smallint    NOT NULL,
    urgency          text        NOT NULL,
    caller_person_id uuid,
    received_at      timestamptz NOT NULL,
    due_at           timestamptz NOT NULL,
    owner            text        NOT NULL DEFAULT '',
    followed_up_at   timestamptz,
    followed_up_on   date,
    follow_up_method text,
    PRIMARY KEY (tenant, call_id)
);
CREATE INDEX hotline_calls_open ON hotline_calls (tenant, due_at, call_id) WHERE followed_up_at IS NULL;
CREATE INDEX hotline_calls_caller ON hotline_calls (tenant, caller_person_id) WHERE caller_person_id IS NOT NULL;

-- Villages assigned to and released from social workers, one row per event
-- (version is the assignment stream's): a worker's villages on a date are
-- the latest row per village with effective_on up to that date.
CREATE TABLE village_assignments (
    tenant        text    NOT NULL,
    social_worker text    NOT NULL,
    version       bigint  NOT NULL,
    village       text    NOT NULL,
    assigned      boolean NOT NULL,
    effective_on  date    NOT NULL,
    PRIMARY KEY (tenant, social_worker, version)
);

-- A village's station day of a month: the latest scheduled wins.
CREATE TABLE station_days (
    tenant        text NOT NULL,
    village       text NOT NULL,
    month         text NOT NULL, -- "YYYY-MM"
    day           date NOT NULL,
    social_worker text NOT NULL,
    PRIMARY KEY (tenant, village, month)
);
