package io.kubedsr.e2e.vm;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs every test method of the annotated class inside the real-kernel VM (a Debian kernel under QEMU,
 * prepared by {@code e2e/vm/setup.sh}). On the host each method is intercepted and executed remotely;
 * inside the VM ({@code KUBE_DSR_IN_VM=1}) the methods run normally.
 *
 * <p>Lifecycle methods ({@code @BeforeEach}, {@code @AfterAll}, ...) run only inside the VM, around each
 * remotely executed method. Constructors and field initializers also run on the host.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@Tag("vm")
@ExtendWith(VmExtension.class)
public @interface VmTest {

  /** Kernel modules to modprobe in the VM before each method of this class runs. */
  String[] modules() default {};

  /** Per-method limit, VM boot excluded. On expiry the VM is killed and the test fails. */
  int timeoutSeconds() default 300;
}
