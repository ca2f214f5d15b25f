#ifndef CHISO_TESTS_PLAN_PLAN_FIXTURES_H_
#define CHISO_TESTS_PLAN_PLAN_FIXTURES_H_

// Plans for tests, written in the style of the provincial plans chiso runs.

#include "chiso/plan/v1/plan_service.pb.h"

namespace chiso::plan::testing {

// A department's DDCI plan for 2020 in the style of a Lạng Sơn Sở: eight
// component objectives with 2019 baselines and "đạt trên" 2020 targets, plus
// the overall aims "top 10" and "từ 70 điểm trở lên" (10 objectives).
chiso::plan::v1::Plan DepartmentDdciPlan();

// A minimal valid draft: an issuer and one objective.
chiso::plan::v1::Plan MinimalDraft(const std::string& issuer = "UBND huyện Đồng Tâm");

}  // namespace chiso::plan::testing

#endif  // CHISO_TESTS_PLAN_PLAN_FIXTURES_H_
