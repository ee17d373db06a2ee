package io.visionflow.local;

import io.visionflow.api.Tokens;
import io.visionflow.store.Stores;
import io.visionflow.store.memory.MemoryStores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

/** Where the local account's token comes from, and that only its hash is stored. */
class LocalAccountTest {

    @Test
    void generatedOnceKeptInAPrivateFileAndStoredHashed(@TempDir Path data) throws Exception {
        Stores stores = MemoryStores.create();
        LocalAccount first = LocalAccount.open(stores, data, null);
        assertThat(first.created()).isTrue();
        assertThat(first.token()).matches("[0-9a-f]{64}");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(first.file()))).isEqualTo("rw-------");
        assertThat(stores.accounts().accountOfToken(Tokens.hash(first.token()))).hasValue(LocalAccount.ID);
        assertThat(stores.accounts().accountOfToken(first.token())).isEmpty();

        LocalAccount again = LocalAccount.open(stores, data, null);
        assertThat(again.created()).isFalse();
        assertThat(again.token()).isEqualTo(first.token());
        assertThat(LocalAccount.readToken(data)).isEqualTo(first.token());

        // a crash between writing the file and storing its hash heals at the next start
        Stores fresh = MemoryStores.create();
        LocalAccount healed = LocalAccount.open(fresh, data, null);
        assertThat(fresh.accounts().accountOfToken(Tokens.hash(first.token()))).hasValue(LocalAccount.ID);
        assertThat(healed.created()).isFalse();
    }

    @Test
    void theEnvironmentTokenIsRegisteredAndNothingIsWritten(@TempDir Path data) throws Exception {
        Stores stores = MemoryStores.create();
        LocalAccount account = LocalAccount.open(stores, data, " from-env-0123456789 ");
        assertThat(account.token()).isEqualTo("from-env-0123456789");
        assertThat(account.file()).isNull();
        assertThat(Files.exists(data.resolve(LocalAccount.TOKEN_FILE))).isFalse();
        assertThat(stores.accounts().accountOfToken(Tokens.hash("from-env-0123456789"))).hasValue(LocalAccount.ID);
        // idempotent across restarts
        LocalAccount.open(stores, data, "from-env-0123456789");
        assertThat(stores.accounts().accountOfToken(Tokens.hash("from-env-0123456789"))).hasValue(LocalAccount.ID);
    }

    @Test
    void aReplacedTokenStopsWorkingAndTheWebhookSecretIsKeptForReceivers(@TempDir Path data) throws Exception {
        Stores stores = MemoryStores.create();
        LocalAccount.open(stores, data, "first-0123456789ab");
        LocalAccount.open(stores, data, "second-0123456789a");
        assertThat(stores.accounts().accountOfToken(Tokens.hash("first-0123456789ab"))).isEmpty();
        assertThat(stores.accounts().accountOfToken(Tokens.hash("second-0123456789a"))).hasValue(LocalAccount.ID);
        // back to a generated token: the environment's one is revoked too
        LocalAccount generated = LocalAccount.open(stores, data, null);
        assertThat(stores.accounts().accountOfToken(Tokens.hash("second-0123456789a"))).isEmpty();
        assertThat(stores.accounts().accountOfToken(Tokens.hash(generated.token()))).hasValue(LocalAccount.ID);

        Path secret = data.resolve(LocalAccount.WEBHOOK_SECRET_FILE);
        assertThat(Files.readString(secret).trim())
                .isEqualTo(stores.accounts().get(LocalAccount.ID).orElseThrow().webhookSecret());
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(secret)))
                .isEqualTo("rw-------");
    }

    @Test
    void aChosenTokenTooShortToResistGuessingIsRefused(@TempDir Path data) throws Exception {
        Stores stores = MemoryStores.create();
        for (String weak : new String[] {"secret", "0123456789abcde", "with space 0123456789", "x".repeat(257)}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> LocalAccount.open(stores, data, weak))
                    .as(weak).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(LocalAccount.TOKEN_ENV)
                    .hasMessageNotContaining(weak);
        }
        Files.writeString(data.resolve(LocalAccount.TOKEN_FILE), "short\n");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LocalAccount.open(stores, data, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(LocalAccount.TOKEN_FILE);
        assertThat(stores.accounts().accountOfToken(Tokens.hash("short"))).isEmpty();
    }
}
