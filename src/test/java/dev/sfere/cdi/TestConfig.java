package dev.sfere.cdi;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.spi.ConfigProviderResolver;

import java.util.Map;

/** MicroProfile Config for one test: registered in place of the current one, released by the test when done. */
final class TestConfig {

    private TestConfig() {
    }

    /** Registers a configuration of these properties for the test's class loader, and returns it for release. */
    static SmallRyeConfig register(Map<String, String> properties) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        ConfigProviderResolver.instance().releaseConfig(ConfigProvider.getConfig(loader));
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(properties, "test", 500)).build();
        ConfigProviderResolver.instance().registerConfig(config, loader);
        return config;
    }

    /** The library's settings read from these properties alone. */
    static SfereConfig read(Map<String, String> properties) {
        return SfereConfig.from(new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(properties, "test", 500)).build());
    }

    /** Releases a configuration {@link #register} made. */
    static void release(SmallRyeConfig config) {
        ConfigProviderResolver.instance().releaseConfig(config);
    }
}
