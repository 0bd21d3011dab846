package io.kubedsr.ipvs;

import java.util.List;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import io.kubedsr.netlink.fuzz.FuzzTargets;

/** The module's fuzz targets, a few seconds each (bench/fuzz.sh runs them for a million inputs). */
class IpvsFuzzTest {
    @TestFactory
    List<DynamicTest> fuzzTargetsSurviveAShortRun() {
        return FuzzTargets.shortRuns();
    }
}
