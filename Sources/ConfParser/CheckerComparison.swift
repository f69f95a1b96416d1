/// Comparing checkers across a reload: two checkers are the same when every setting is, wherever
/// in the files each was written (moving a block, or adding lines above it, changes nothing).
extension Checker {
    /// This checker with every source location cleared, for `==` against another such copy.
    ///
    /// A location missed here (a new `@Sourced` field) can only make two equal checkers differ,
    /// never make different ones equal; `CheckerComparisonTests` parses every kind with every
    /// keyword at two positions to catch that.
    public var withoutLocations: Checker {
        var copy = self
        copy.location = .unplaced
        copy.$connectIP.location = nil
        copy.$connectPort.location = nil
        copy.$alpha.location = nil
        copy.$connectTimeout.location = nil
        copy.$retry.location = nil
        copy.$delayBeforeRetry.location = nil
        copy.$warmup.location = nil
        copy.$delayLoop.location = nil
        copy.details = details.withoutLocations
        if extrasBox != nil {
            var extras = self.extras
            extras.$bindTo.location = nil
            extras.$bindPort.location = nil
            extras.$bindInterface.location = nil
            extras.$fwmark.location = nil
            extras.$logAllFailures.location = nil
            extras.otherKeywords = extras.otherKeywords.map { keyword in
                var keyword = keyword
                keyword.location = .unplaced
                return keyword
            }
            copy.extras = extras
        }
        return copy
    }

    /// Whether `other` has the same settings as this checker, wherever each was written.
    public func hasSameSettings(as other: Checker) -> Bool {
        withoutLocations == other.withoutLocations
    }
}

extension CheckerDetails {
    /// The type-specific options with every source location cleared.
    var withoutLocations: CheckerDetails {
        switch self {
        case .none: return .none
        case .http(var http):
            http.$httpProtocol.location = nil
            http.$fastRecovery.location = nil
            http.$enableSNI.location = nil
            http.$virtualhost.location = nil
            http.urls = http.urls.map(\.withoutLocations)
            return .http(http)
        case .misc(var misc):
            misc.$script.location = nil
            misc.script?.location = .unplaced
            misc.$timeout.location = nil
            misc.$dynamic.location = nil
            return .misc(misc)
        case .smtp(var smtp):
            smtp.$heloName.location = nil
            return .smtp(smtp)
        case .dns(var dns):
            dns.$type.location = nil
            dns.$name.location = nil
            return .dns(dns)
        case .udp(var udp):
            udp.$payload.location = nil
            udp.$requireReply.location = nil
            udp.$replyData.location = nil
            udp.$minReplyLength.location = nil
            udp.$maxReplyLength.location = nil
            return .udp(udp)
        case .file(var file):
            file.$trackFile.location = nil
            file.$weight.location = nil
            file.$reverse.location = nil
            return .file(file)
        case .bfd(var bfd):
            bfd.$name.location = nil
            return .bfd(bfd)
        }
    }
}

extension URLCheck {
    /// The URL's options with every source location cleared.
    var withoutLocations: URLCheck {
        var copy = self
        copy.location = .unplaced
        copy.$path.location = nil
        copy.$digest.location = nil
        copy.$statusCodes.location = nil
        copy.$virtualhost.location = nil
        copy.$regex.location = nil
        copy.$regexNoMatch.location = nil
        copy.$regexOptions.location = nil
        copy.$regexStack.location = nil
        copy.$regexMinOffset.location = nil
        copy.$regexMaxOffset.location = nil
        return copy
    }
}

extension SourceLocation {
    /// The location of nothing in particular (file 0, line 0), put in place of real locations
    /// when values are compared regardless of where they were written.
    public static let unplaced = SourceLocation(fileID: 0, line: 0)
}
