using Tessera.Diagnostics;
using Tessera.Technology;

namespace Tessera.Hardware.Presets;

/// <summary>
/// Built-in systems larger than one package. A board is a ring of packages joined package to package by
/// NVLink-C2C-class links (each package's first chiplet is its port); a node is boards joined by an InfiniBand NDR
/// switch (each board's port is its first package). The package is SCAR's 2×2 weight-stationary package (four
/// chiplets, each with its DRAM device), the smallest multi-chiplet preset, so the tensor-parallel level inside a package is
/// non-trivial. Every number comes from the technology library (off_package and the package's own entries).
/// </summary>
public static class SystemPresets
{
    /// <summary>The package every preset board is built of.</summary>
    public const string BoardPackage = "scar-2x2-ws";

    /// <summary>The package-to-package link kind of preset boards.</summary>
    public const string BoardLink = "nvlink-c2c";

    /// <summary>The network link kind of preset nodes (one hop board → switch, one switch → board).</summary>
    public const string NodeNetwork = "infiniband-ndr";

    public static IReadOnlyList<string> Names { get; } = ["board-4", "board-8", "node-8x8"];

    public static SystemNode Create(string name, TechnologyLibrary technology)
    {
        var package = HardwarePresets.CreatePackage(BoardPackage, technology);
        return name.Trim().ToLowerInvariant() switch
        {
            "board-4" => Board("board-4", package, 4, technology.OffPackage(BoardLink)),
            "board-8" => Board("board-8", package, 8, technology.OffPackage(BoardLink)),
            "node-8x8" => Node("node-8x8", Board("board-8", package, 8, technology.OffPackage(BoardLink)), 8, technology.OffPackage(NodeNetwork)),
            _ => throw new TesseraInputException($"unknown system preset '{name}'{Suggestions.DidYouMean(name, Names)}; expected one of {string.Join(", ", Names)}"),
        };
    }

    /// <summary>Packages p0 … p(n−1) in a ring of one link kind.</summary>
    public static SystemNode Board(string name, Package package, int packages, DieToDieSpec link)
    {
        var ids = Enumerable.Range(0, packages).Select(i => $"p{i}").ToList();
        return new SystemNode(name, ids.Select((id, i) => new SystemChild(id, package, i, 0)),
            Topologies.ToLinks(Topologies.Ring(ids), link.BandwidthBytesPerSecond, link.EnergyPerBitPj, link.LatencySeconds));
    }

    /// <summary>Boards b0 … b(n−1), each linked to the node's switch by one network link.</summary>
    public static SystemNode Node(string name, SystemNode board, int boards, DieToDieSpec network)
    {
        var ids = Enumerable.Range(0, boards).Select(i => $"b{i}").ToList();
        return new SystemNode(name, ids.Select((id, i) => new SystemChild(id, board, i, 0)),
            Topologies.ToLinks(ids.Select(id => (id, SystemNode.SwitchId)), network.BandwidthBytesPerSecond, network.EnergyPerBitPj, network.LatencySeconds),
            hasSwitch: true);
    }
}
