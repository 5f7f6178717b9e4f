-- The audit log moved into the platform (package audit), where the read's
-- subject may be a person, a household, a visit or a call: person_id is now
-- subject_id. Databases created after the move never had person_id.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM information_schema.columns
               WHERE table_schema = current_schema() AND table_name = 'sensitive_reads' AND column_name = 'person_id') THEN
        ALTER TABLE sensitive_reads RENAME COLUMN person_id TO subject_id;
        ALTER INDEX sensitive_reads_person RENAME TO sensitive_reads_subject;
    END IF;
END $$;
