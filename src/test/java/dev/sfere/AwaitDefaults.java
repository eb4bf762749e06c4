package dev.sfere;

import org.awaitility.Awaitility;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

import java.time.Duration;

/**
 * Sets Awaitility's defaults once for every test run (registered in {@code META-INF/services}): the condition is
 * checked at once and then every 10 ms, instead of Awaitility's first look after 100 ms and every 100 ms after it,
 * so a wait that is already over costs nothing and the loops that wait once per event (a thousand times in
 * {@code SlowClientIT}) do not take minutes. Every wait still names its own upper bound with {@code atMost}.
 */
public final class AwaitDefaults implements LauncherSessionListener {

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        Awaitility.setDefaultPollDelay(Duration.ZERO);
        Awaitility.setDefaultPollInterval(Duration.ofMillis(10));
    }
}
