package io.visionflow.store;

import java.util.Optional;

/**
 * Accounts and their API tokens. Tokens are never stored: only their SHA-256 hash, which is also
 * what {@link #accountOfToken} looks up (a token is 32 random bytes, so no salt is needed).
 */
public interface AccountStore {
    /** Creates an account; fails with {@link ConflictException} when the id exists. */
    Account create(Account account);

    Optional<Account> get(String accountId);

    /**
     * Sets (or with null removes) the account's monthly credit limit; fails with
     * {@link NotFoundException} when there is no such account.
     */
    void setMonthlyCredits(String accountId, Long credits);

    /** Registers a token hash for an account; a hash already registered fails with {@link ConflictException}. */
    void addToken(String accountId, String tokenHash);

    /** The account a token hash belongs to, unless revoked. */
    Optional<String> accountOfToken(String tokenHash);

    /** Revokes a token; true when it existed. */
    boolean revokeToken(String tokenHash);

    /** Revokes every token of the account but {@code keepHash} (a host that has one token per account); returns how many. */
    int revokeOtherTokens(String accountId, String keepHash);
}
