package dev.sfere.arch;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * Keeps the layers as docs/DESIGN.md draws them: the engine runs without a container, the API names no
 * implementation, the SPI names nothing but the API, and no two packages depend on each other.
 */
class LayersTest {

    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.sfere");
    }

    @Test
    void engine_importsNothingFromCdi() {
        noClasses().that().resideInAPackage("dev.sfere.engine..")
                .should().dependOnClassesThat().resideInAnyPackage("jakarta.enterprise..", "jakarta.inject..",
                        "jakarta.interceptor..", "dev.sfere.cdi..")
                .check(main);
    }

    @Test
    void api_importsNoImplementation() {
        noClasses().that().resideInAPackage("dev.sfere")
                .should().dependOnClassesThat().resideInAnyPackage("dev.sfere.engine..", "dev.sfere.cdi..",
                        "dev.sfere.store..", "dev.sfere.cluster..", "dev.sfere.internal..")
                .check(main);
    }

    @Test
    void spi_importsOnlyTheApiAndTheInternalSlot() {
        noClasses().that().resideInAPackage("dev.sfere.spi..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.sfere.engine..", "dev.sfere.cdi..",
                        "dev.sfere.store..", "dev.sfere.cluster..")
                .check(main);
    }

    @Test
    void packages_haveNoCycles() {
        slices().assignedFrom(new SliceAssignment() {
            @Override
            public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
                String name = javaClass.getPackageName();
                return name.startsWith("dev.sfere") ? SliceIdentifier.of(name) : SliceIdentifier.ignore();
            }

            @Override
            public String getDescription() {
                return "each package of dev.sfere";
            }
        }).should().beFreeOfCycles().check(main);
    }
}
