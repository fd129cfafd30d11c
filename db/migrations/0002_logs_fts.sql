-- Full-text search over the log's message and fields (FTS5; drizzle-kit cannot express it).
-- External-content table: the text lives once, in `logs`; triggers keep the index in step.
CREATE VIRTUAL TABLE `logs_fts` USING fts5(`message`, `fields`, content='logs', content_rowid='id', tokenize='unicode61');
--> statement-breakpoint
CREATE TRIGGER `logs_fts_insert` AFTER INSERT ON `logs` BEGIN
  INSERT INTO `logs_fts`(rowid, `message`, `fields`) VALUES (new.`id`, new.`message`, new.`fields`);
END;
--> statement-breakpoint
CREATE TRIGGER `logs_fts_delete` AFTER DELETE ON `logs` BEGIN
  INSERT INTO `logs_fts`(`logs_fts`, rowid, `message`, `fields`) VALUES ('delete', old.`id`, old.`message`, old.`fields`);
END;
--> statement-breakpoint
CREATE TRIGGER `logs_fts_update` AFTER UPDATE OF `message`, `fields` ON `logs` BEGIN
  INSERT INTO `logs_fts`(`logs_fts`, rowid, `message`, `fields`) VALUES ('delete', old.`id`, old.`message`, old.`fields`);
  INSERT INTO `logs_fts`(rowid, `message`, `fields`) VALUES (new.`id`, new.`message`, new.`fields`);
END;
--> statement-breakpoint
-- Logs already written before this migration become searchable too.
INSERT INTO `logs_fts`(`logs_fts`) VALUES ('rebuild');
