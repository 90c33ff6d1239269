using System.Collections.Immutable;
using Tessera.Chiplets;
using Tessera.Ecosystem;
using Tessera.Scoring;
using Tessera.Technology;

namespace Tessera.Tests.Ecosystem;

/// <summary>Synthetic profile tables: real candidates (area, cost, leakage) with hand-set operator profiles.</summary>
internal static class EcosystemFixtures
{
    public static readonly TechnologyLibrary Tech = TechnologyLibrary.LoadDefault();
    public const long MiB = 1024 * 1024;

    /// <summary>The four WS and OS candidates at scale 1 with 8 and 32 MiB buffers.</summary>
    public static ImmutableArray<ChipletCandidate> Candidates(int count = 4) =>
    [
        .. CandidateGenerator.Generate(Tech, new CandidateKnobs(ChipletTemplate.Mozart(Tech), [1, 2], [1], [1, 4], ["14nm"])).Take(count),
    ];

    /// <summary>
    /// A chain of operators: step i produces outputs[i] bytes consumed by the next step (and by i + 2 where skips[i]);
    /// each candidate c runs step i in (i + 1) × (c + 1) × scale cycles with energy falling with c.
    /// </summary>
    public static (ProfileTable Table, SuiteModel App) Chain(string name, long[] outputs, bool[]? skips, int seed,
        ImmutableArray<ChipletCandidate> candidates)
    {
        var random = new Random(seed);
        int n = outputs.Length;
        var steps = Enumerable.Range(0, n).Select(i =>
        {
            var consumers = new List<int>();
            if (i + 1 < n) consumers.Add(i + 1);
            if (skips is not null && skips[i] && i + 2 < n) consumers.Add(i + 2);
            return new ChainStep(i, $"{name}-op{i}", outputs[i], [.. consumers], 1 << 20);
        }).ToImmutableArray();
        var profiles = new Dictionary<(string, string), OperatorProfile>();
        foreach (var c in candidates)
            foreach (var s in steps)
                profiles[(c.Name, s.ShapeKey)] = new OperatorProfile(true, random.Next(1_000, 100_000), random.Next(1, 100) * 1e6,
                    random.Next(1, 100) * 1e6, 0, s.OutputBytes * 2 + s.WeightBytes);
        var app = new SuiteModel(name, [.. steps.Select(s => (s.ShapeKey, 1))]) { Chain = steps };
        var table = new ProfileTable(candidates, [app], ImmutableDictionary<string, OperatorShape>.Empty, profiles.ToImmutableDictionary(), 0, 0);
        return (table, app);
    }

    /// <summary>Several synthetic applications over the same candidates in one table.</summary>
    public static ProfileTable Suite(ImmutableArray<ChipletCandidate> candidates, params (string Name, long[] Outputs, int Seed)[] apps)
    {
        var parts = apps.Select(a => Chain(a.Name, a.Outputs, null, a.Seed, candidates)).ToList();
        return new ProfileTable(candidates, [.. parts.Select(p => p.App)], ImmutableDictionary<string, OperatorShape>.Empty,
            parts.SelectMany(p => p.Table.Profiles).ToImmutableDictionary(), 0, 0);
    }

    public static BasicOptions Options(Objective? objective = null) => BasicOptions.Default(Tech, objective);
}
