-- ctiflow store, version 2: a feed's sightings are indexed by (feed_id, gone)
-- alone. A sighting listed again moves its last_time and last_run, which the
-- index no longer holds, so listing it again leaves the index untouched; the
-- sightings a full fetch no longer lists are found among the feed's live ones.
DROP INDEX sightings_feed;
CREATE INDEX sightings_feed ON sightings (feed_id, gone);
