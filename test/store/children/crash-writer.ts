// Child process for the kill test: stores objects, leaves a half-written temp file, then dies by SIGKILL before
// writing its snapshot, the way an OOM kill or power cut would stop a backup.
import { writeFile } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { openStore } from '../../../src/store/store.js'

const [dir, ...contents] = process.argv.slice(2)
const store = await openStore(dir!, { create: true })
await store.lock()
for (const content of contents) await store.putObject(Readable.from([Buffer.from(content)]))
await writeFile(await store.stagingPath(), 'half an object')
process.stdout.write('stored\n')
process.kill(process.pid, 'SIGKILL')
