using System.Collections.Immutable;
using Tessera.Chiplets;
using Tessera.Hardware;
using Tessera.Technology;
using Tessera.Yaml;
using YamlDotNet.RepresentationModel;

namespace Tessera.Studies;

/// <summary>
/// How the draft/target and CNN/fusion studies deploy a stage on part of a group or on several model replicas: the
/// sub-package of a group's first chiplets, memory sized for a stage pinned to them, replica groups and their labels.
/// </summary>
public static class StageSharing
{
    /// <summary>
    /// The first <paramref name="chiplets"/> chiplets of a group's sub-package (its grid filled row by row, so they are
    /// connected), the memory modules they host and the links among them: where a stage pinned to part of a group runs.
    /// </summary>
    public static Package FirstChiplets(Package group, int chiplets)
    {
        if (chiplets <= 0 || chiplets > group.Chiplets.Length)
            throw new ArgumentOutOfRangeException(nameof(chiplets), $"{chiplets} of {group.Chiplets.Length} chiplets");
        var own = group.Chiplets.Take(chiplets).ToList();
        var ids = own.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var memories = group.Memories.Where(m => group.Links.Any(l => (l.From == m.Id && ids.Contains(l.To)) || (l.To == m.Id && ids.Contains(l.From)))).ToList();
        ids.UnionWith(memories.Select(m => m.Id));
        return new Package($"{group.Name}/first{chiplets}", own, memories, group.Links.Where(l => ids.Contains(l.From) && ids.Contains(l.To)));
    }

    /// <summary>
    /// Whole modules for a group of n chiplets that all run one stage (each keeps 1/n of <paramref name="wholeBytes"/>)
    /// while a second stage is pinned to its first k (each of those keeps 1/k of <paramref name="pinnedBytes"/> as well):
    /// the same number on every chiplet (the composer deals modules round robin), enough for a pinned chiplet's share,
    /// and never fewer than the whole group would take for both stages.
    /// </summary>
    public static int ModulesPinned(TechnologyLibrary t, string memory, double wholeBytes, double pinnedBytes, int n, int k) =>
        Math.Max(PackageComposer.ModulesFor(t, memory, wholeBytes + pinnedBytes, n),
            n * (int)Math.Ceiling((wholeBytes / n + pinnedBytes / k) / t.Dram(memory).CapacityBytes));

    /// <summary>Replica 0 of a role keeps the role's name (the group simulated); replica k ≥ 1 is <c>r{k+1}.{role}</c>.</summary>
    public static string ReplicaRole(string role, int replica) => replica == 0 ? role : $"r{replica + 1}.{role}";

    /// <summary>count ÷ degree replica groups of degree chiplets, each with <paramref name="modules"/> memory modules.</summary>
    internal static IEnumerable<ChipletGroup> Replicas(StudySetup setup, string role, (string Design, int Count, string Memory, int Degree) g, int modules) =>
        Enumerable.Range(0, g.Count / g.Degree).Select(k => setup.Group(ReplicaRole(role, k), g.Design, g.Degree, g.Memory, modules));

    /// <summary>
    /// The plans of a group that runs both stages: every chiplet on both (modules for <paramref name="wholeBytes"/> +
    /// <paramref name="pinnedBytes"/>), then the <paramref name="pinned"/> stage on each of <paramref name="shares"/>
    /// chiplets smaller than a replica (labelled "…, STAGE on k"). Pinned is null for the first.
    /// </summary>
    internal static IEnumerable<(string Label, int? Pinned, ChipletGroup[] Groups)> Shared(StudySetup setup, TechnologyLibrary t,
        (string Design, int Count, string Memory, int Degree) g, double wholeBytes, string pinned, double pinnedBytes, IEnumerable<int> shares)
    {
        yield return (Describe(g), null, [.. Replicas(setup, "all", g, PackageComposer.ModulesFor(t, g.Memory, wholeBytes + pinnedBytes, g.Degree))]);
        // The pinned stage keeps its weights (and KV cache) beside its k chiplets, so every chiplet gets their memory.
        foreach (var k in shares.Where(k => k < g.Degree))
            yield return ($"{Describe(g)}, {pinned} on {k}", k, [.. Replicas(setup, "all", g, ModulesPinned(t, g.Memory, wholeBytes, pinnedBytes, g.Degree, k))]);
    }

    /// <summary>A deployment's label (see <see cref="Describe(int, string, int, string)"/>).</summary>
    public static string Describe((string Design, int Count, string Memory, int Degree) g) => Describe(g.Count, g.Design, g.Degree, g.Memory);

    /// <summary>Chiplet ids of every replica of a role.</summary>
    public static string[] ReplicaChiplets(ComposedPackage p, string role) =>
        [.. p.Groups.Where(g => g.Role == role || g.Role.EndsWith($".{role}", StringComparison.Ordinal)).SelectMany(g => p.Of(g.Role).Chiplets.Select(c => c.Id))];

    /// <summary>"4×large+HBM3" for one model over the group, "4×large TP2+HBM3" for replicas of two chiplets.</summary>
    public static string Describe(int count, string design, int degree, string memory) =>
        degree == count ? $"{count}×{design}+{memory}" : $"{count}×{design} TP{degree}+{memory}";

    /// <summary>
    /// The optional list <paramref name="key"/> of chiplet counts a stage may be pinned to within a group of
    /// <paramref name="space"/>; a count is used with each deployment whose replicas are larger, and a count no
    /// deployment is larger than is an input error at its line. Empty when absent.
    /// </summary>
    internal static ImmutableArray<int> Shares(YamlReader r, YamlMappingNode root, string key, GroupSpace space, string spaceKey)
    {
        if (YamlReader.Find(root, key) is null) return [];
        var shares = StudyFiles.Ints(r, root, key);
        int largest = space.Deployments().Max(d => d.Degree);
        var nodes = r.Sequence(r.Need(root, key, "the study"), key);
        for (int i = 0; i < shares.Length; i++)
            if (shares[i] >= largest)
                throw r.Error(nodes.Children[i], $"{key} {shares[i]} is not smaller than any {spaceKey} group (at most {largest} chiplets per model); " +
                    "expected fewer chiplets than the group it shares");
        return shares;
    }
}
