import Testing

@testable import SystemSampling

/// `/proc/self/cgroup` as the kernels we run on write it.
@Suite struct CgroupMembershipTests {
    @Test func hybridV1Text_givesEachHierarchysControllersAndPath() {
        // This build machine (Debian 12 container, kernel 6.18): v1 controllers mounted apart,
        // plus an empty unified hierarchy.
        let text = """
            9:name=systemd:/
            8:pids:/
            4:memory:/process_api/837c355101bde86a9b2dd6c8762932bc
            2:cpuacct:/
            1:cpu:/coalition-lab-7/h3
            0::/

            """
        let lines = CgroupMembership.parse(text)
        #expect(lines.count == 6)
        #expect(CgroupMembership.v1("cpu", in: lines)?.path == "/coalition-lab-7/h3")
        #expect(CgroupMembership.v1("memory", in: lines)?.path == "/process_api/837c355101bde86a9b2dd6c8762932bc")
        #expect(CgroupMembership.v1("systemd", in: lines) == nil, "a named hierarchy is not the controller")
        #expect(CgroupMembership.v1("name=systemd", in: lines)?.hierarchyID == 9)
        #expect(CgroupMembership.unified(in: lines)?.path == "/")
    }

    @Test func coMountedControllersShareOneLine() {
        let lines = CgroupMembership.parse("4:cpu,cpuacct:/lab/h2\n")
        #expect(CgroupMembership.v1("cpu", in: lines) == CgroupMembership.v1("cpuacct", in: lines))
        #expect(lines.first?.controllers == ["cpu", "cpuacct"])
    }

    @Test func pureV2Text_isOneUnifiedLine_andAColonInThePathIsKept() {
        let lines = CgroupMembership.parse("0::/system.slice/coalition.service/a:b\n")
        #expect(lines == [CgroupMembership(hierarchyID: 0, controllers: [], path: "/system.slice/coalition.service/a:b")])
        #expect(lines.first?.isUnified == true)
    }

    @Test func malformedLinesAreSkipped() {
        #expect(CgroupMembership.parse("").isEmpty)
        #expect(CgroupMembership.parse("garbage\nx:cpu:/a\n3:cpu\n1:cpu:relative\n").isEmpty)
    }
}
