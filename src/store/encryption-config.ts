// Which codec a store gets (docs/backup-store.md §2.1, §9): a new store is plain (version 1) or, with `encrypt`,
// encrypted (version 2, a fresh master key sealed under the passphrase); an existing store's config.json decides,
// and an encrypted one is unlocked with the passphrase. The passphrase is asked for only when it is needed.
import { AuthError, UsageError } from '../errors.js'
import { plainCodec, type ObjectCodec } from './codec.js'
import { checkEncryptionConfig, createEncryptionConfig, unlock, type EncryptionConfig } from './encryption.js'
import { ENCRYPTED_STORE_VERSION, STORE_VERSION, type StoreConfig } from './format.js'

export interface StoreEncryptionOptions {
  /** Create the store encrypted; refuse an existing store that is not (a swapped config.json must not mean plaintext). */
  encrypt?: boolean
  /** Reads the passphrase (from the environment or a prompt); `creating` asks for a new one (twice on a terminal). */
  passphrase?: (creating: boolean) => Promise<string>
}

/** The version, `encryption` block and codec of a store about to be created. */
export async function newStoreCodec(options: StoreEncryptionOptions): Promise<{ version: number; encryption?: EncryptionConfig; codec: ObjectCodec }> {
  if (!options.encrypt) return { version: STORE_VERSION, codec: plainCodec }
  if (!options.passphrase) throw new Error('newStoreCodec: encrypt needs a passphrase reader')
  const { config, codec } = await createEncryptionConfig(await options.passphrase(true))
  return { version: ENCRYPTED_STORE_VERSION, encryption: config, codec }
}

/** The codec of an existing store whose config.json passed the format and version checks. */
export async function existingStoreCodec(config: StoreConfig, options: StoreEncryptionOptions, where: string): Promise<ObjectCodec> {
  if (config.version !== ENCRYPTED_STORE_VERSION) {
    if (options.encrypt) {
      throw new UsageError(`The backup store ${where} is not encrypted, and --encrypt was given.`, {
        hint: 'Drop --encrypt to keep backing up into this plain store, or start a new store with --encrypt (docs/backup-store.md §9.5 on moving over).',
      })
    }
    return plainCodec
  }
  checkEncryptionConfig(config.encryption, where)
  if (!options.passphrase) {
    throw new AuthError(`The backup store ${where} is encrypted and no passphrase was given.`, { hint: 'Set LIFEBOAT_STORE_PASSPHRASE (or name another variable with --store-passphrase-env).' })
  }
  return unlock(config.encryption, await options.passphrase(false), where)
}
