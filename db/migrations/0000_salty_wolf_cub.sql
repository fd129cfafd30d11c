CREATE TABLE `backups` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`machine` text NOT NULL,
	`path` text NOT NULL,
	`content` text,
	`mode` integer,
	`client` text NOT NULL,
	`reason` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `backups_path` ON `backups` (`machine`,`path`,`id`);--> statement-breakpoint
CREATE TABLE `client_status` (
	`machine` text NOT NULL,
	`client` text NOT NULL,
	`state` text NOT NULL,
	`notes` text DEFAULT '[]' NOT NULL,
	`errors` text DEFAULT '[]' NOT NULL,
	`last_change` integer,
	`at` integer NOT NULL,
	PRIMARY KEY(`machine`, `client`)
);
--> statement-breakpoint
CREATE TABLE `client_views` (
	`machine` text NOT NULL,
	`client` text NOT NULL,
	`key` text NOT NULL,
	`value` text NOT NULL,
	PRIMARY KEY(`machine`, `client`, `key`)
);
--> statement-breakpoint
CREATE TABLE `conflicts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`machine` text NOT NULL,
	`key` text NOT NULL,
	`base` text,
	`sides` text NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`resolution` text,
	`created_at` integer NOT NULL,
	`resolved_at` integer
);
--> statement-breakpoint
CREATE INDEX `conflicts_open` ON `conflicts` (`machine`,`status`,`key`);--> statement-breakpoint
CREATE TABLE `file_hashes` (
	`machine` text NOT NULL,
	`path` text NOT NULL,
	`hash` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`machine`, `path`)
);
--> statement-breakpoint
CREATE TABLE `item_history` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`machine` text NOT NULL,
	`key` text NOT NULL,
	`value` text,
	`source` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `item_history_key` ON `item_history` (`machine`,`key`,`id`);--> statement-breakpoint
CREATE TABLE `items` (
	`machine` text NOT NULL,
	`key` text NOT NULL,
	`kind` text NOT NULL,
	`scope` text NOT NULL,
	`name` text NOT NULL,
	`value` text NOT NULL,
	`omit` text DEFAULT '[]' NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`machine`, `key`)
);
--> statement-breakpoint
CREATE TABLE `logs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`level` text NOT NULL,
	`source` text NOT NULL,
	`client` text,
	`item` text,
	`action` text,
	`message` text NOT NULL,
	`fields` text DEFAULT '{}' NOT NULL,
	`event_id` integer
);
--> statement-breakpoint
CREATE INDEX `logs_at` ON `logs` (`at`);--> statement-breakpoint
CREATE INDEX `logs_level` ON `logs` (`level`,`at`);--> statement-breakpoint
CREATE INDEX `logs_client` ON `logs` (`client`,`at`);--> statement-breakpoint
CREATE INDEX `logs_item` ON `logs` (`item`,`at`);--> statement-breakpoint
CREATE TABLE `policies` (
	`machine` text NOT NULL,
	`client` text NOT NULL,
	`value` text NOT NULL,
	PRIMARY KEY(`machine`, `client`)
);
--> statement-breakpoint
CREATE TABLE `projects` (
	`machine` text NOT NULL,
	`path` text NOT NULL,
	`source` text NOT NULL,
	`active` integer DEFAULT 1 NOT NULL,
	`added_at` integer NOT NULL,
	PRIMARY KEY(`machine`, `path`)
);
--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
