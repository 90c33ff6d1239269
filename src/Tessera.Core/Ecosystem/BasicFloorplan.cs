using System.Collections.Immutable;
using Tessera.Economics;
using Tessera.Floorplanning;
using Tessera.Hardware;
using Tessera.Technology;
using Tessera.Chiplets;

namespace Tessera.Ecosystem;

/// <summary>
/// Physical legality of a BASIC package: the package as it would be built (every tensor-parallel chiplet of every
/// stage, each with its own memory modules as costed), floorplanned on a 2.5D interposer.
/// </summary>
public static class BasicFloorplan
{
    /// <summary>
    /// The package: stage s's chiplets in column s (one row per tensor-parallel chiplet), UCIe links between grid
    /// neighbours (the pipeline runs along a row, tensor parallelism along a column), each chiplet's memory modules on it.
    /// </summary>
    public static Package Build(TechnologyLibrary t, IReadOnlyList<ChipletCandidate> candidates, BasicPackage basic)
    {
        var link = t.DieToDie(EcosystemRunner.StageLink);
        var chiplets = new List<ChipletInstance>();
        var devices = new List<MemoryDevice>();
        var memoryLinks = new List<Link>();
        for (int s = 0; s < basic.Stages.Length; s++)
        {
            var stage = basic.Stages[s];
            var design = candidates.First(c => c.Name == stage.Design).Chiplet;
            for (int tp = 0; tp < stage.TensorParallel; tp++)
            {
                var id = $"s{s}t{tp}";
                chiplets.Add(new ChipletInstance(id, design, s, tp));
                for (int m = 0; m < stage.MemoryModules; m++)
                {
                    var device = HardwareDefaults.Device(t, $"{id}-mem{m}", stage.Memory);
                    devices.Add(device);
                    memoryLinks.Add(HardwareDefaults.MemoryLink(device, id));
                }
            }
        }
        var at = chiplets.ToDictionary(c => (c.X, c.Y), c => c.Id);
        var pairs = new List<(string, string)>();
        foreach (var c in chiplets)
        {
            if (at.TryGetValue((c.X + 1, c.Y), out var right)) pairs.Add((c.Id, right));
            if (at.TryGetValue((c.X, c.Y + 1), out var below)) pairs.Add((c.Id, below));
        }
        var meshLinks = Topologies.ToLinks(pairs, link.BandwidthBytesPerSecond, link.EnergyPerBitPj, link.LatencySeconds);
        return new Package($"basic-{basic.Application}", chiplets, devices, [.. meshLinks, .. memoryLinks]);
    }

    /// <summary>The floorplan of a BASIC package (legal flag and violations).</summary>
    public static Floorplan Plan(TechnologyLibrary t, IReadOnlyList<ChipletCandidate> candidates, BasicPackage basic) =>
        Floorplanner.Plan(t, Build(t, candidates, basic), Packaging.Interposer25D);

    /// <summary>Floorplans of a pool's packages, aligned with them (null where an application has no package).</summary>
    public static ImmutableArray<Floorplan?> PlanAll(TechnologyLibrary t, IReadOnlyList<ChipletCandidate> candidates, IEnumerable<BasicPackage?> packages) =>
        [.. packages.Select(p => p is null ? null : Plan(t, candidates, p))];
}
