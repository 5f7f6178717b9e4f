-- The caseload projection's tables, created unqualified in each generation's
-- schema. No sensitive personal data and no names: ids, codes, dates, tiers.

-- One row per household.
CREATE TABLE households (
    tenant        text   NOT NULL,
    household_id  uuid   NOT NULL,
    village       text   NOT NULL,
    registered_on date   NOT NULL,
    version       bigint NOT NULL,
    PRIMARY KEY (tenant, household_id)
);

-- One row per person: the current state the lists read. last_contact_on is
-- last_contact_at's date in China; due dates are computed from it at query
-- time and never stored.
CREATE TABLE persons (
    tenant              text        NOT NULL,
    person_id           uuid        NOT NULL,
    household_id        uuid        NOT NULL,
    village             text        NOT NULL,
    categories          text[]      NOT NULL,
    tier                smallint    NOT NULL DEFAULT 0, -- 0: not assessed yet
    tier_effective_on   date,
    social_worker       text        NOT NULL DEFAULT '',
    status              text        NOT NULL,           -- active, exited, forgotten
    registered_on       date        NOT NULL,
    exited_on           date,
    exit_reason         text,
    last_monthly_update text,                           -- "YYYY-MM"
    last_contact_at     timestamptz,
    last_contact_on     date,
    version             bigint      NOT NULL,
    PRIMARY KEY (tenant, person_id)
);
-- The caseload list is keyset-paginated by person_id within its filters;
-- each index serves a filter with the order built in, so a page reads about
-- page_size rows whatever the table's size.
CREATE INDEX persons_village_tier ON persons (tenant, village, tier, person_id);
CREATE INDEX persons_village ON persons (tenant, village, person_id);
CREATE INDEX persons_tier ON persons (tenant, tier, person_id);
CREATE INDEX persons_social_worker ON persons (tenant, social_worker, person_id);
CREATE INDEX persons_household ON persons (tenant, household_id);

-- Months with a monthly file update, per person.
CREATE TABLE monthly_updates (
    tenant     text        NOT NULL,
    person_id  uuid        NOT NULL,
    month      text        NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant, person_id, month)
);

-- Histories for as-of views and period figures, one row per event (version
-- is the person stream's version; it orders events of the same date).
CREATE TABLE tier_history (
    tenant       text     NOT NULL,
    person_id    uuid     NOT NULL,
    version      bigint   NOT NULL,
    tier         smallint NOT NULL,
    effective_on date     NOT NULL,
    PRIMARY KEY (tenant, person_id, version)
);

CREATE TABLE status_history (
    tenant       text   NOT NULL,
    person_id    uuid   NOT NULL,
    version      bigint NOT NULL,
    status       text   NOT NULL,
    reason       text   NOT NULL, -- the exit reason for 'exited'
    effective_on date   NOT NULL,
    PRIMARY KEY (tenant, person_id, version)
);
CREATE INDEX status_history_exits ON status_history (tenant, effective_on) WHERE status = 'exited';

CREATE TABLE village_history (
    tenant       text   NOT NULL,
    person_id    uuid   NOT NULL,
    version      bigint NOT NULL,
    household_id uuid   NOT NULL,
    village      text   NOT NULL,
    effective_on date   NOT NULL,
    PRIMARY KEY (tenant, person_id, version)
);

CREATE TABLE category_history (
    tenant       text    NOT NULL,
    person_id    uuid    NOT NULL,
    version      bigint  NOT NULL,
    category     text    NOT NULL,
    held         boolean NOT NULL,
    effective_on date    NOT NULL,
    PRIMARY KEY (tenant, person_id, version, category)
);
