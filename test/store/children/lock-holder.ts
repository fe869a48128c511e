// Child process that holds a store's lock until its stdin closes: a concurrent run for the lock test.
import { openStore } from '../../../src/store/store.js'

const store = await openStore(process.argv[2]!)
const lock = await store.lock()
process.stdout.write('locked\n')
process.stdin.resume()
process.stdin.on('end', () => {
  void lock.release().then(() => process.exit(0))
})
