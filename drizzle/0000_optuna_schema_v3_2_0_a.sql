CREATE TABLE `alembic_version` (
	`version_num` VARCHAR(32) PRIMARY KEY NOT NULL
);
--> statement-breakpoint
CREATE TABLE `studies` (
	`study_id` integer PRIMARY KEY NOT NULL,
	`study_name` VARCHAR(512) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ix_studies_study_name` ON `studies` (`study_name`);--> statement-breakpoint
CREATE TABLE `study_directions` (
	`study_direction_id` integer PRIMARY KEY NOT NULL,
	`direction` VARCHAR(8) NOT NULL,
	`study_id` integer NOT NULL,
	`objective` integer NOT NULL,
	FOREIGN KEY (`study_id`) REFERENCES `studies`(`study_id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `study_directions_study_id_objective_unique` ON `study_directions` (`study_id`,`objective`);--> statement-breakpoint
CREATE TABLE `study_system_attributes` (
	`study_system_attribute_id` integer PRIMARY KEY NOT NULL,
	`study_id` integer,
	`key` VARCHAR(512),
	`value_json` text,
	FOREIGN KEY (`study_id`) REFERENCES `studies`(`study_id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `study_system_attributes_study_id_key_unique` ON `study_system_attributes` (`study_id`,`key`);--> statement-breakpoint
CREATE TABLE `study_user_attributes` (
	`study_user_attribute_id` integer PRIMARY KEY NOT NULL,
	`study_id` integer,
	`key` VARCHAR(512),
	`value_json` text,
	FOREIGN KEY (`study_id`) REFERENCES `studies`(`study_id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `study_user_attributes_study_id_key_unique` ON `study_user_attributes` (`study_id`,`key`);--> statement-breakpoint
CREATE TABLE `trial_heartbeats` (
	`trial_heartbeat_id` integer PRIMARY KEY NOT NULL,
	`trial_id` integer NOT NULL,
	`heartbeat` DATETIME NOT NULL,
	FOREIGN KEY (`trial_id`) REFERENCES `trials`(`trial_id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `trial_heartbeats_trial_id_unique` ON `trial_heartbeats` (`trial_id`);--> statement-breakpoint
CREATE TABLE `trial_intermediate_values` (
	`trial_intermediate_value_id` integer PRIMARY KEY NOT NULL,
	`trial_id` integer NOT NULL,
	`step` integer NOT NULL,
	`intermediate_value` FLOAT,
	`intermediate_value_type` VARCHAR(7) NOT NULL,
	FOREIGN KEY (`trial_id`) REFERENCES `trials`(`trial_id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `trial_intermediate_values_trial_id_step_unique` ON `trial_intermediate_values` (`trial_id`,`step`);--> statement-breakpoint
CREATE TABLE `trial_params` (
	`param_id` integer PRIMARY KEY NOT NULL,
	`trial_id` integer,
	`param_name` VARCHAR(512),
	`param_value` FLOAT,
	`distribution_json` text,
	FOREIGN KEY (`trial_id`) REFERENCES `trials`(`trial_id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `trial_params_trial_id_param_name_unique` ON `trial_params` (`trial_id`,`param_name`);--> statement-breakpoint
CREATE TABLE `trial_system_attributes` (
	`trial_system_attribute_id` integer PRIMARY KEY NOT NULL,
	`trial_id` integer,
	`key` VARCHAR(512),
	`value_json` text,
	FOREIGN KEY (`trial_id`) REFERENCES `trials`(`trial_id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `trial_system_attributes_trial_id_key_unique` ON `trial_system_attributes` (`trial_id`,`key`);--> statement-breakpoint
CREATE TABLE `trial_user_attributes` (
	`trial_user_attribute_id` integer PRIMARY KEY NOT NULL,
	`trial_id` integer,
	`key` VARCHAR(512),
	`value_json` text,
	FOREIGN KEY (`trial_id`) REFERENCES `trials`(`trial_id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `trial_user_attributes_trial_id_key_unique` ON `trial_user_attributes` (`trial_id`,`key`);--> statement-breakpoint
CREATE TABLE `trial_values` (
	`trial_value_id` integer PRIMARY KEY NOT NULL,
	`trial_id` integer NOT NULL,
	`objective` integer NOT NULL,
	`value` FLOAT,
	`value_type` VARCHAR(7) NOT NULL,
	FOREIGN KEY (`trial_id`) REFERENCES `trials`(`trial_id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `trial_values_trial_id_objective_unique` ON `trial_values` (`trial_id`,`objective`);--> statement-breakpoint
CREATE TABLE `trials` (
	`trial_id` integer PRIMARY KEY NOT NULL,
	`number` integer,
	`study_id` integer,
	`state` VARCHAR(8) NOT NULL,
	`datetime_start` DATETIME,
	`datetime_complete` DATETIME,
	FOREIGN KEY (`study_id`) REFERENCES `studies`(`study_id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `ix_trials_study_id` ON `trials` (`study_id`);--> statement-breakpoint
CREATE TABLE `version_info` (
	`version_info_id` integer PRIMARY KEY NOT NULL,
	`schema_version` integer,
	`library_version` VARCHAR(256),
	CONSTRAINT "version_info_id_check" CHECK(version_info_id=1)
);
