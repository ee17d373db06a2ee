package io.visionflow.store;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What every {@link AccountStore} adapter must do; subclasses give a fresh, empty store. */
public abstract class AccountStoreContract {
    protected AccountStore store;

    protected abstract AccountStore newStore() throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = newStore();
    }

    private static Account account(String id) {
        return new Account(id, "Account " + id, "secret-" + id, Instant.parse("2026-01-02T03:04:05Z"));
    }

    private static String hash(char c) {
        return String.valueOf(c).repeat(64);
    }

    @Test
    void createdAccountsAreReadable() {
        Account created = store.create(account("a"));

        assertThat(created).isEqualTo(account("a"));
        assertThat(store.get("a")).contains(account("a"));
        assertThat(store.get("b")).isEmpty();
    }

    @Test
    void createOfAnExistingIdConflictsAndKeepsTheAccount() {
        store.create(account("a"));

        assertThatThrownBy(() -> store.create(new Account("a", "Other", "other", Instant.EPOCH)))
                .isInstanceOf(ConflictException.class);
        assertThat(store.get("a")).contains(account("a"));
    }

    @Test
    void tokenHashesFindTheirAccount() {
        store.create(account("a"));
        store.create(account("b"));
        store.addToken("a", hash('1'));
        store.addToken("a", hash('2'));
        store.addToken("b", hash('3'));

        assertThat(store.accountOfToken(hash('1'))).contains("a");
        assertThat(store.accountOfToken(hash('2'))).contains("a");
        assertThat(store.accountOfToken(hash('3'))).contains("b");
        assertThat(store.accountOfToken(hash('4'))).isEmpty();
    }

    @Test
    void aHashRegisteredTwiceConflicts() {
        store.create(account("a"));
        store.create(account("b"));
        store.addToken("a", hash('1'));

        assertThatThrownBy(() -> store.addToken("b", hash('1'))).isInstanceOf(ConflictException.class);
        assertThatThrownBy(() -> store.addToken("a", hash('1'))).isInstanceOf(ConflictException.class);
        assertThat(store.accountOfToken(hash('1'))).contains("a");
    }

    @Test
    void revokedTokensFindNothing() {
        store.create(account("a"));
        store.addToken("a", hash('1'));
        store.addToken("a", hash('2'));

        assertThat(store.revokeToken(hash('1'))).isTrue();
        assertThat(store.accountOfToken(hash('1'))).isEmpty();
        assertThat(store.accountOfToken(hash('2'))).contains("a");
        assertThat(store.revokeToken(hash('1'))).isFalse();
        assertThat(store.revokeToken(hash('9'))).isFalse();
    }

    @Test
    void revokingOtherTokensKeepsOneAndTouchesNoOtherAccount() {
        store.create(account("a"));
        store.create(account("b"));
        store.addToken("a", hash('1'));
        store.addToken("a", hash('2'));
        store.addToken("a", hash('3'));
        store.addToken("b", hash('4'));

        assertThat(store.revokeOtherTokens("a", hash('2'))).isEqualTo(2);
        assertThat(store.accountOfToken(hash('1'))).isEmpty();
        assertThat(store.accountOfToken(hash('3'))).isEmpty();
        assertThat(store.accountOfToken(hash('2'))).contains("a");
        assertThat(store.accountOfToken(hash('4'))).contains("b");
        assertThat(store.revokeOtherTokens("a", hash('2'))).isZero();
    }

    @Test
    void aMonthlyCreditLimitIsStoredSetAndRemoved() {
        store.create(account("a"));
        store.create(account("b").withMonthlyCredits(0L));

        assertThat(store.get("a").orElseThrow().monthlyCredits()).isNull();
        assertThat(store.get("b").orElseThrow().monthlyCredits()).isZero();
        store.setMonthlyCredits("a", 1_000_000_000_000L);
        assertThat(store.get("a")).contains(account("a").withMonthlyCredits(1_000_000_000_000L));
        assertThat(store.get("b").orElseThrow().monthlyCredits()).isZero();
        store.setMonthlyCredits("a", null);
        assertThat(store.get("a")).contains(account("a"));
        assertThatThrownBy(() -> store.setMonthlyCredits("nobody", 5L)).isInstanceOf(NotFoundException.class);
        assertThat(store.get("nobody")).isEmpty();
    }

    @Test
    void aNegativeLimitIsNotAnAccount() {
        assertThatThrownBy(() -> account("a").withMonthlyCredits(-1L)).isInstanceOf(IllegalArgumentException.class);
    }
}
