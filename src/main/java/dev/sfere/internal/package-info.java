/**
 * Internal: what the library's own packages share with each other and applications must not use. Nothing here is
 * API; it may change in any release.
 */
package dev.sfere.internal;
