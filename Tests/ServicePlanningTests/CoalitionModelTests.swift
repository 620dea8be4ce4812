import Allocation
import QoSModel
import ServicePlanning
import Testing

@Suite struct CoalitionModelTests {
    @Test func theDefaultValues_riseWithTheLevels_andMixVideoAndAudio() {
        let values = LevelValues.default
        #expect(values.value(of: QoSLevel(video: .sd)) == 0.5)
        #expect(values.value(of: QoSLevel(video: .hd)) == 0.8)
        #expect(values.value(of: QoSLevel(video: .fhd)) == 1.0)
        #expect(values.value(of: QoSLevel(audio: .low)) == 0.6)
        #expect(abs(values.value(of: QoSLevel(video: .hd, audio: .high)) - (0.8 * 0.8 + 0.2 * 1.0)) < 1e-12)
    }

    @Test func aLevelCosts_whatFormationReserves_perStream() throws {
        var model = CoalitionModel()
        let lent = model.addBoard(makeProfile(), spareCores: 2, availableMiB: 512)
        #expect(lent.cpu == 2)
        #expect(lent.memoryMiB == 512 - 64)
        let request = try ServiceRequest.parse(video: "HD", audio: "high", accept: ["SD"], streams: 2)
        let levels = try #require(model.levels(for: request))
        #expect(levels.map(\.name) == ["HD+high", "SD+high"])
        // HD + high: (0.80 + 0.04) cores x 1.25 headroom x 2 streams; memory (45 + 8) MiB x 2.
        #expect(abs(levels[0].demand[0] - 0.84 * 1.25 * 2) < 1e-9)
        #expect(levels[0].demand[1] == 106)
        #expect(abs(levels[1].demand[0] - 0.34 * 1.25 * 2) < 1e-9)
        #expect(levels[0].value > levels[1].value)
    }

    @Test func aSlowerBoard_lendsFewerReferenceCores_andTheLargestDecoderMemoryCounts() throws {
        var model = CoalitionModel()
        _ = model.addBoard(makeProfile(id: "fast"), spareCores: 1, availableMiB: 64)
        let slow = model.addBoard(makeProfile(id: "slow", slowness: 4, videoMemoryMiB: 40), spareCores: 2, availableMiB: 100)
        #expect(abs(slow.cpu - 0.5) < 1e-12)
        #expect(slow.memoryMiB == 36)
        let levels = try #require(model.levels(for: try ServiceRequest(QoSLevel(video: .sd))))
        #expect(levels[0].demand[1] == 40)
    }

    @Test func aCoalitionDocument_becomesAnInstance_thatTheSolversServe() throws {
        let document = """
            {"boards": [{"id": "a", "profile": "fast", "cpu": 2, "memoryMiB": 512},
                        {"id": "b", "profile": "slow", "cpu": 2, "memoryMiB": 512}],
             "services": [{"id": "cam", "weight": 5, "request": {"video": "FHD", "accept": ["HD", "SD"]}},
                          {"id": "hall", "request": {"video": "HD", "audio": "low", "accept": ["SD"]}},
                          {"id": "raw", "levels": [{"name": "L", "value": 0.5, "cpu": 0.1, "memoryMiB": 1}]}]}
            """
        var source = ProfiledLevelSource { name in
            name == "fast" ? makeProfile(id: "fast") : makeProfile(id: "slow", slowness: 2)
        }
        let instance = try Instance(json: Array(document.utf8), source: &source)
        #expect(abs(instance.capacity[0] - 3) < 1e-12)
        #expect(instance.capacity[1] == 2 * (512 - 64))
        #expect(instance.services.map(\.levels.count) == [3, 2, 1])
        #expect(instance.services[0].levels.map(\.name) == ["FHD", "HD", "SD"])
        let exact = ExactSolver().solve(instance)
        // FHD costs 2.375 cores; HD+low 1.025 would not fit beside it; SD+low 0.4 does.
        #expect(exact.levelNames(in: instance) == ["cam": "FHD", "hall": "SD+low", "raw": "L"])
    }

    @Test func aBadRequestOrProfile_isNamedByItsField() {
        func fault(_ document: String) -> String? {
            var source = ProfiledLevelSource { name in
                guard name == "board" else { throw ProfileError(file: "profiles/\(name).json", field: "", problem: "missing") }
                return makeProfile()
            }
            do {
                _ = try Instance(json: Array(document.utf8), source: &source)
                return nil
            } catch {
                return error.description
            }
        }
        let board = #"{"id": "b", "profile": "board", "cpu": 1, "memoryMiB": 512}"#
        #expect(
            fault(#"{"boards": [\#(board)], "services": [{"id": "s", "request": {"video": "XYZ"}}]}"#)
                == "services[0].request: 'XYZ' is not a video level; valid video levels are SD, HD, FHD")
        #expect(
            fault(#"{"boards": [\#(board)], "services": [{"id": "s", "request": {"video": "SD", "accept": ["HD"]}}]}"#)?
                .hasPrefix("services[0].request: the accepted levels must go down") == true)
        #expect(
            fault(#"{"boards": [\#(board)], "services": [{"id": "s", "request": {"video": "SD", "streams": 0}}]}"#)
                == "services[0].request.streams: must be in 1...64, got 0")
        #expect(
            fault(#"{"boards": [{"id": "b", "profile": "nope", "cpu": 1, "memoryMiB": 512}], "services": []}"#)
                == "boards[0].profile: profiles/nope.json: missing")
        #expect(
            fault(#"{"boards": [{"id": "b", "cpu": 1, "memoryMiB": 512}], "services": [{"id": "s", "request": {"video": "SD"}}]}"#)
                == "services[0].request: needs at least one board with a profile to price its levels")
        #expect(
            fault(#"{"boards": [\#(board)], "services": [{"id": "s", "request": {"video": 3}}]}"#)
                == "services[0].request.video: must be a string")
    }
}
