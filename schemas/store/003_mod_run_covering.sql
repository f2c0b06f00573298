-- ctiflow store, version 3: iocs_mod_run also holds tlp and expired_at, so
-- counting what an output publishes (the IOCs modified since its last run,
-- under its max_tlp, and how many of them expired) reads the index alone
-- instead of every row of iocs. A row whose tlp or expired_at changes is
-- modified, so its entry was rewritten for the new mod_run already.
DROP INDEX iocs_mod_run;
CREATE INDEX iocs_mod_run ON iocs (mod_run, tlp, expired_at);
