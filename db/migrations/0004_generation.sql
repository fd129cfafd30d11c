-- A counter every change to the base (`items`), the clients' views (`client_views`), projects,
-- policies and settings bumps, from any process: the engine keeps them in memory and reloads
-- them only when it moved.
-- Triggers, so no writer (a CLI run next to the web service, an older aisync) can forget it.
CREATE TABLE `generation` (`id` integer PRIMARY KEY NOT NULL, `n` integer NOT NULL);
--> statement-breakpoint
INSERT INTO `generation` (`id`, `n`) VALUES (1, 0);
--> statement-breakpoint
CREATE TRIGGER `items_generation_insert` AFTER INSERT ON `items` BEGIN
  UPDATE `generation` SET `n` = `n` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `items_generation_update` AFTER UPDATE ON `items` BEGIN
  UPDATE `generation` SET `n` = `n` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `items_generation_delete` AFTER DELETE ON `items` BEGIN
  UPDATE `generation` SET `n` = `n` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `client_views_generation_insert` AFTER INSERT ON `client_views` BEGIN
  UPDATE `generation` SET `n` = `n` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `client_views_generation_update` AFTER UPDATE ON `client_views` BEGIN
  UPDATE `generation` SET `n` = `n` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `client_views_generation_delete` AFTER DELETE ON `client_views` BEGIN
  UPDATE `generation` SET `n` = `n` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `projects_generation_insert` AFTER INSERT ON `projects` BEGIN
  UPDATE `generation` SET `n` = `n` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `projects_generation_update` AFTER UPDATE ON `projects` BEGIN
  UPDATE `generation` SET `n` = `n` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `projects_generation_delete` AFTER DELETE ON `projects` BEGIN
  UPDATE `generation` SET `n` = `n` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `policies_generation_insert` AFTER INSERT ON `policies` BEGIN
  UPDATE `generation` SET `n` = `n` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `policies_generation_update` AFTER UPDATE ON `policies` BEGIN
  UPDATE `generation` SET `n` = `n` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `policies_generation_delete` AFTER DELETE ON `policies` BEGIN
  UPDATE `generation` SET `n` = `n` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `settings_generation_insert` AFTER INSERT ON `settings` BEGIN
  UPDATE `generation` SET `n` = `n` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `settings_generation_update` AFTER UPDATE ON `settings` BEGIN
  UPDATE `generation` SET `n` = `n` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `settings_generation_delete` AFTER DELETE ON `settings` BEGIN
  UPDATE `generation` SET `n` = `n` + 1 WHERE `id` = 1;
END;
