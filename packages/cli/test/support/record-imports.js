// `node --import <this file>`: appends the URL of every module the process loads to the file named
// by LEASEHOLD_RECORD_IMPORTS, one a line, so a test can see what a command loaded (and what not).
import { register } from 'node:module';

register('./record-imports-hooks.js', import.meta.url, { data: { file: process.env['LEASEHOLD_RECORD_IMPORTS'] } });
