import Testing
@testable import DaemonSupport

@Suite struct DaemonSupportModuleTests {
    @Test func moduleLinks() {
        #expect(String(describing: DaemonSupport.self) == "DaemonSupport")
    }
}
