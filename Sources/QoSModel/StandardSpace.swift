/// Attribute identifiers of the standard space, so code never spells them twice.
public enum QoSAttributeID {
    public static let compressionIndex = "video.compressionIndex"
    public static let colorDepth = "video.colorDepth"
    public static let frameSize = "video.frameSize"
    public static let frameRate = "video.frameRate"
    public static let samplingRate = "audio.samplingRate"
    public static let sampleBits = "audio.sampleBits"
    public static let bitRate = "audio.bitRate"
    public static let latency = "latency.endToEnd"
}

extension QoSSpace {
    /// The space of the paper's Example 1 (video and audio quality, plus end-to-end latency
    /// from the text before it), widened to hold the presets of Tables 1 and 2.
    ///
    /// Units: frame rate in frames per second, sampling rate in kHz, bit rate in kbit/s,
    /// color depth and sample bits in bits, latency in milliseconds (lower is better),
    /// compression index 0...100 (higher keeps more of the picture).
    public static let standard: QoSSpace = {
        let video = QoSDimension(
            id: "video", name: "Video Quality",
            attributes: [
                QoSAttribute(
                    id: QoSAttributeID.compressionIndex, name: "compression index", valueType: .integer,
                    domain: .continuous(lower: 0, upper: 100, integral: true)),
                QoSAttribute(
                    id: QoSAttributeID.colorDepth, name: "color depth", unit: "bits", valueType: .integer,
                    domain: .discrete([1, 3, 8, 16, 24, 30].map(QoSValue.integer))),
                QoSAttribute(
                    id: QoSAttributeID.frameSize, name: "frame size", unit: "pixels", valueType: .frameSize,
                    domain: .discrete(
                        [.sqcif, .qcif, .cif, .cif4, .cif16, .p480, .p720, .p1080].map(QoSValue.frameSize))),
                QoSAttribute(
                    id: QoSAttributeID.frameRate, name: "frame rate", unit: "fps", valueType: .integer,
                    domain: .continuous(lower: 1, upper: 60, integral: true)),
            ])
        let audio = QoSDimension(
            id: "audio", name: "Audio Quality",
            attributes: [
                QoSAttribute(
                    id: QoSAttributeID.samplingRate, name: "sampling rate", unit: "kHz", valueType: .real,
                    domain: .discrete([8, 11.025, 16, 22.05, 24, 32, 44.1, 48, 88.2, 96].map(QoSValue.real))),
                QoSAttribute(
                    id: QoSAttributeID.sampleBits, name: "sample bits", unit: "bits", valueType: .integer,
                    domain: .discrete([4, 8, 16, 24, 32].map(QoSValue.integer))),
                QoSAttribute(
                    id: QoSAttributeID.bitRate, name: "bit rate", unit: "kbit/s", valueType: .integer,
                    domain: .continuous(lower: 8, upper: 512, integral: true)),
            ])
        let latency = QoSDimension(
            id: "latency", name: "Timeliness",
            attributes: [
                QoSAttribute(
                    id: QoSAttributeID.latency, name: "end-to-end latency", unit: "ms", valueType: .integer,
                    domain: .discrete([100, 75, 50, 25].map(QoSValue.integer)), preference: .lowerIsBetter)
            ])
        let dependencies = [
            // MPEG-2 Layer III at the low sampling rates (16, 22.05, 24 kHz and below) stops at
            // 160 kbit/s; 192 kbit/s and up need MPEG-1's 32, 44.1 or 48 kHz.
            QoSDependency(
                "audio bit rates above 160 kbit/s need a sampling rate of at least 32 kHz",
                when: .within(attribute: QoSAttributeID.bitRate, lower: 161, upper: 512),
                then: .within(attribute: QoSAttributeID.samplingRate, lower: 32, upper: 96)),
            // H.264 level 4.2, the highest SBC decoders support, allows more than 30 fps only up
            // to 1920x1080.
            QoSDependency(
                "video above 30 fps is limited to 1920x1080 (H.264 level 4.2)",
                when: .within(attribute: QoSAttributeID.frameRate, lower: 31, upper: 60),
                then: .frameSizeWithin(attribute: QoSAttributeID.frameSize, size: .p1080)),
        ]
        return QoSSpace(dimensions: [video, audio, latency], dependencies: dependencies)
    }()
}
