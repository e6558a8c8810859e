-- Sensor heartbeats (`apiary.heartbeat`): what the sensor last said about itself. All NULL until its first
-- heartbeat; a sensor heard only by heartbeat has a row with 0 events. Times are UTC microseconds.
ALTER TABLE sensors ADD COLUMN version TEXT;
ALTER TABLE sensors ADD COLUMN address TEXT;
ALTER TABLE sensors ADD COLUMN listen TEXT;
ALTER TABLE sensors ADD COLUMN started BIGINT;
ALTER TABLE sensors ADD COLUMN heartbeat BIGINT;
