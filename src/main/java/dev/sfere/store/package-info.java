/**
 * The library's two stores, behind {@link dev.sfere.store.Stores}: one in memory, one on a Caffeine cache with
 * sliding or fixed expiry and a maximum size. Both index keys by part and connections by identity.
 */
package dev.sfere.store;
