namespace Tessera.Scheduling;

/// <summary>
/// Collective communication as transfer tasks over the simulated links, by the ring algorithms (Patarasuk and Yuan,
/// J. Parallel Distrib. Comput. 69(2), 2009): each of the p ranks sends one 1/p chunk to its ring successor per step.
/// All-gather takes p − 1 steps, all-reduce 2(p − 1) (a reduce-scatter, then an all-gather). A rank sends its next
/// chunk once it has received the previous one and its own previous send has ended, so on a ring of links of
/// bandwidth β and latency α with nothing else running an all-reduce of n bytes takes 2(p−1)/p · n/β + 2(p−1)·α and
/// an all-gather (p−1)/p · n/β + (p−1)·α; shared links and other traffic make the simulator's time longer. The
/// reduction arithmetic is not charged (a few vector operations per byte, negligible beside the transfer), and chunks land
/// in the buffer of the result, so they claim no on-chip memory of their own.
/// </summary>
public static class Collectives
{
    /// <summary>
    /// A ring all-reduce of <paramref name="bytes"/> held by every rank, each rank's data ready after
    /// <paramref name="ready"/>[i] (−1: at once). Returns per rank the task after which it holds the result.
    /// </summary>
    public static int[] RingAllReduce(TaskGraphBuilder builder, string name, string model, IReadOnlyList<CoreRef> ranks, long bytes,
        IReadOnlyList<int> ready, int miniBatch = 0) =>
        Ring(builder, name, model, ranks, bytes, ready, 2 * (ranks.Count - 1), miniBatch);

    /// <summary>
    /// A ring all-gather of a tensor of <paramref name="bytes"/> of which rank i holds share i (after
    /// <paramref name="ready"/>[i]). Returns per rank the task after which it holds the whole tensor.
    /// </summary>
    public static int[] RingAllGather(TaskGraphBuilder builder, string name, string model, IReadOnlyList<CoreRef> ranks, long bytes,
        IReadOnlyList<int> ready, int miniBatch = 0) =>
        Ring(builder, name, model, ranks, bytes, ready, ranks.Count - 1, miniBatch);

    /// <summary>
    /// A ring reduce-scatter of partial sums of <paramref name="bytes"/> held by every rank: rank i ends holding reduced
    /// share i. The same p − 1 steps of 1/p chunks as an all-gather (the first half of an all-reduce).
    /// </summary>
    public static int[] RingReduceScatter(TaskGraphBuilder builder, string name, string model, IReadOnlyList<CoreRef> ranks, long bytes,
        IReadOnlyList<int> ready, int miniBatch = 0) =>
        Ring(builder, name, model, ranks, bytes, ready, ranks.Count - 1, miniBatch);

    private static int[] Ring(TaskGraphBuilder builder, string name, string model, IReadOnlyList<CoreRef> ranks, long bytes,
        IReadOnlyList<int> ready, int steps, int miniBatch)
    {
        int p = ranks.Count;
        if (ready.Count != p)
            throw new ArgumentException($"{ready.Count} ready tasks for {p} ranks", nameof(ready));
        var arrived = ready.ToArray();
        var sent = ready.ToArray();
        for (int s = 0; s < steps; s++)
        {
            var next = new int[p];
            for (int i = 0; i < p; i++)
            {
                // Step s moves chunk (i − s) mod p from rank i to rank i + 1.
                int chunk = ((i - s) % p + p) % p;
                sent[i] = next[(i + 1) % p] = builder.Transfer($"{name}/step{s}/{i}", model, ranks[i], ranks[(i + 1) % p],
                    Slicing.Share(bytes, p, chunk), [arrived[i], sent[i]], holdOutput: false, miniBatch: miniBatch);
            }
            arrived = next;
        }
        return arrived;
    }
}
