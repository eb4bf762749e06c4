/**
 * What an application touches: {@link dev.sfere.ConnectionKey} and {@link dev.sfere.KeyPattern}, the
 * {@link dev.sfere.SfereKey} annotation, the {@link dev.sfere.Broadcaster}, {@link dev.sfere.Connections} and
 * {@link dev.sfere.Directory}, the CDI events {@link dev.sfere.SfereConnected} and {@link dev.sfere.SfereEvicted}
 * with their {@link dev.sfere.EvictionCause}, and the {@link dev.sfere.ScopeResolver}.
 */
package dev.sfere;
