import Coalition
import MembershipCore
import Testing

@Suite("Event journal and duration histogram")
struct EventJournalTests {
    @Test func theJournalKeepsOnlyTheNewestEntriesOldestFirst() {
        let journal = EventJournal(capacity: 3)
        for index in 1...5 {
            journal.append(JournalEntry(atMillis: Int64(index), source: .membership, kind: "suspect", subject: "m\(index)", message: "m\(index)"))
        }
        #expect(journal.recent.map(\.subject) == ["m3", "m4", "m5"])
    }

    @Test func aHistogramCountsEachObservationInTheFirstBucketThatHoldsIt() {
        var histogram = DurationHistogram(bounds: [0.1, 1])
        histogram.observe(.milliseconds(100))
        histogram.observe(.milliseconds(101))
        histogram.observe(.seconds(3))
        histogram.observe(seconds: -1)
        histogram.observe(seconds: .nan)
        #expect(histogram.counts == [3, 1])
        #expect(histogram.overflow == 1)
        #expect(histogram.count == 5)
        #expect(histogram.cumulativeCounts == [3, 4])
        #expect(abs(histogram.sum - 3.201) < 1e-9)
    }
}
