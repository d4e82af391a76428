// The executable schema: importing each type file registers its types and fields.
import { builder } from './builder.js';
import './scalars.js';
import './enums.js';
import './study.js';
import './trial.js';
import './artifact.js';
import './artifact-upload.js';
import './staged-upload.js';
import './subscription.js';

export const schema = builder.toSchema();
