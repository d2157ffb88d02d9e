import SchedLabCore

/// Max-flow on source → entity (capacity = its allocation) → allowed pCPUs (unbounded) → sink
/// (capacity 1 per pCPU), by augmenting paths (Edmonds–Karp) in doubles. Small graphs only: the
/// oracle runs once per result, outside the engine.
struct BipartiteFlow {
  let pcpus: Int
  let entities: [IdealShare.Entity]
  var supplyLeft: [Double]
  /// flow[i][p]: entity i's flow on pCPU p.
  var flow: [[Double]]
  var cpuLoad: [Double]
  static let epsilon = 1e-12

  init(pcpus: Int, entities: [IdealShare.Entity], supply: [Double]) {
    self.pcpus = pcpus
    self.entities = entities
    supplyLeft = supply
    flow = Array(repeating: Array(repeating: 0, count: pcpus), count: entities.count)
    cpuLoad = Array(repeating: 0, count: pcpus)
  }

  func allowed(_ i: Int) -> [Int] { entities[i].affinity.members.map(\.index).filter { $0 < pcpus } }

  /// Push as much supply as possible; returns the total flow.
  mutating func maxFlow() -> Double {
    var total = 0.0
    while let (path, amount) = augmentingPath() {
      // path alternates entity, cpu, entity, cpu, ... ending at a cpu with spare capacity.
      let first = path[0]
      supplyLeft[first] -= amount
      var k = 0
      while k + 1 < path.count {
        let i = path[k]
        let p = path[k + 1]
        flow[i][p] += amount
        if k + 2 < path.count {
          let j = path[k + 2]
          flow[j][p] -= amount
        } else {
          cpuLoad[p] += amount
        }
        k += 2
      }
      total += amount
    }
    return total
  }

  /// BFS from entities with supply left over residual edges to a pCPU with spare capacity.
  func augmentingPath() -> ([Int], Double)? {
    let n = entities.count
    var parentOfCPU = Array(repeating: -1, count: pcpus)
    var parentOfEntity = Array(repeating: -2, count: n)
    var queue: [Int] = []
    for i in 0..<n where supplyLeft[i] > Self.epsilon {
      parentOfEntity[i] = -1
      queue.append(i)
    }
    var head = 0
    while head < queue.count {
      let i = queue[head]
      head += 1
      for p in allowed(i) where parentOfCPU[p] == -1 {
        parentOfCPU[p] = i
        if cpuLoad[p] < 1 - Self.epsilon {
          // Rebuild the path backwards.
          var path = [p]
          var entity = i
          while true {
            path.append(entity)
            let up = parentOfEntity[entity]
            if up == -1 { break }
            path.append(up)
            entity = parentOfCPU[up]
          }
          path.reverse()
          // Bottleneck: source supply, spare cpu capacity, and reverse flows along the path.
          var amount = min(supplyLeft[path[0]], 1 - cpuLoad[p])
          var k = 1
          while k + 1 < path.count {
            amount = min(amount, flow[path[k + 1]][path[k]])
            k += 2
          }
          return amount > Self.epsilon ? (path, amount) : nil
        }
        for j in 0..<n where parentOfEntity[j] == -2 && flow[j][p] > Self.epsilon {
          parentOfEntity[j] = p
          queue.append(j)
        }
      }
    }
    return nil
  }

  /// After ``maxFlow()``: which entities could send more flow to the sink in the residual graph.
  func entitiesReachingSink() -> [Bool] {
    let n = entities.count
    var cpuReaches = (0..<pcpus).map { cpuLoad[$0] < 1 - 1e-7 }
    var entityReaches = Array(repeating: false, count: n)
    var changed = true
    while changed {
      changed = false
      for i in 0..<n where !entityReaches[i] {
        if allowed(i).contains(where: { cpuReaches[$0] }) {
          entityReaches[i] = true
          changed = true
        }
      }
      for p in 0..<pcpus where !cpuReaches[p] {
        if (0..<n).contains(where: { entityReaches[$0] && flow[$0][p] > 1e-9 }) {
          cpuReaches[p] = true
          changed = true
        }
      }
    }
    return entityReaches
  }
}
