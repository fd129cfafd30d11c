DROP INDEX `backups_path`;--> statement-breakpoint
CREATE INDEX `backups_path_at` ON `backups` (`machine`,`path`,`id`,`at`);