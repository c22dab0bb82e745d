// An s3rver in a process of its own (see startS3({ ownProcess: true })), so a test that measures its
// own process's memory does not count the S3 server's. It prints its port, then serves until killed.
import process from 'node:process';
import S3rver from 's3rver';

const [directory] = process.argv.slice(2);
const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: 'artifacts' }] });
const address = await server.run();
process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
