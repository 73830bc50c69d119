-- 0001 canonical model: the tables every source is loaded into.
--
-- Social-care tables follow the Standard Safeguarding Dataset (SSD): each keeps its
-- ssd_* object's name without the prefix and its field names exactly, so an SSD extract
-- loads as it stands. Columns childhub adds are marked "-- childhub extension".
-- Every table of rows read from a source ends with the same three provenance columns:
--   source_system      the system the row came from (e.g. 'mosaic', 'ssda903', 'school_census')
--   batch_id           the ingest_batch that loaded it
--   source_record_key  the row's own key in that batch, to trace it back to its file
-- There are no primary keys on these tables: later versions of a row are kept beside
-- earlier ones. NOT NULL marks the fields the SSD requires (and its primary-key fields).

-- ---------------------------------------------------------------------------------------
-- Social care (SSD-aligned)
-- ---------------------------------------------------------------------------------------

-- One row per person known to children's social care. Follows ssd_person.
CREATE TABLE person (
    pers_person_id       VARCHAR NOT NULL,
    pers_forename        VARCHAR,
    pers_surname         VARCHAR,
    pers_sex             VARCHAR,
    pers_gender          VARCHAR,
    pers_ethnicity       VARCHAR,
    pers_dob             DATE,
    pers_common_child_id VARCHAR,
    pers_legacy_id       VARCHAR,
    pers_upn_unknown     VARCHAR,
    pers_send_flag       VARCHAR,
    pers_expected_dob    DATE,
    pers_death_date      DATE,
    pers_is_mother       VARCHAR,
    pers_nationality     VARCHAR,
    pers_upn             VARCHAR, -- childhub extension: unique pupil number (CIN UPN, SSDA903 UPN)
    pers_former_upn      VARCHAR, -- childhub extension: CIN FormerUPN
    pers_nhs_number      VARCHAR, -- childhub extension: NHS number when checked as one
    pers_middle_names    VARCHAR, -- childhub extension
    source_system        VARCHAR NOT NULL,
    batch_id             BIGINT NOT NULL,
    source_record_key    VARCHAR NOT NULL
);

-- One row per address a person has lived at, with its dates. Follows ssd_address.
CREATE TABLE address (
    addr_table_id           VARCHAR NOT NULL,
    addr_address_json       VARCHAR NOT NULL,
    addr_person_id          VARCHAR,
    addr_address_type       VARCHAR,
    addr_address_start_date DATE,
    addr_address_end_date   DATE,
    addr_address_postcode   VARCHAR,
    source_system           VARCHAR NOT NULL,
    batch_id                BIGINT NOT NULL,
    source_record_key       VARCHAR NOT NULL
);

-- One row per disability code recorded for a person. Follows ssd_disability.
CREATE TABLE disability (
    disa_person_id       VARCHAR NOT NULL,
    disa_table_id        VARCHAR NOT NULL,
    disa_disability_code VARCHAR NOT NULL,
    source_system        VARCHAR NOT NULL,
    batch_id             BIGINT NOT NULL,
    source_record_key    VARCHAR NOT NULL
);

-- One row per period of a person's immigration status (e.g. UASC). Follows ssd_immigration_status.
CREATE TABLE immigration_status (
    immi_person_id                     VARCHAR,
    immi_immigration_status_id         VARCHAR NOT NULL,
    immi_immigration_status            VARCHAR,
    immi_immigration_status_start_date DATE,
    immi_immigration_status_end_date   DATE,
    source_system                      VARCHAR NOT NULL,
    batch_id                           BIGINT NOT NULL,
    source_record_key                  VARCHAR NOT NULL
);

-- One row per child of a mother known to social care. Follows ssd_mother.
CREATE TABLE mother (
    moth_table_id         VARCHAR NOT NULL,
    moth_person_id        VARCHAR NOT NULL,
    moth_childs_person_id VARCHAR NOT NULL,
    moth_childs_dob       DATE,
    source_system         VARCHAR NOT NULL,
    batch_id              BIGINT NOT NULL,
    source_record_key     VARCHAR NOT NULL
);

-- One row per person in a family as the case-management system records it. Follows ssd_family.
CREATE TABLE family (
    fami_table_id     VARCHAR,
    fami_family_id    VARCHAR NOT NULL,
    fami_person_id    VARCHAR NOT NULL,
    source_system     VARCHAR NOT NULL,
    batch_id          BIGINT NOT NULL,
    source_record_key VARCHAR NOT NULL
);

-- One row per other identifier (UPN, NHS number...) of a person. Follows ssd_linked_identifiers.
CREATE TABLE linked_identifiers (
    link_table_id         VARCHAR NOT NULL,
    link_person_id        VARCHAR,
    link_identifier_type  VARCHAR,
    link_identifier_value VARCHAR,
    link_valid_from_date  DATE,
    link_valid_to_date    DATE,
    source_system         VARCHAR NOT NULL,
    batch_id              BIGINT NOT NULL,
    source_record_key     VARCHAR NOT NULL
);

-- One row per contact received by children's social care. Follows ssd_contacts.
CREATE TABLE contacts (
    cont_contact_id           VARCHAR NOT NULL,
    cont_person_id            VARCHAR NOT NULL,
    cont_contact_date         DATE,
    cont_contact_source_code  VARCHAR,
    cont_contact_source_desc  VARCHAR,
    cont_contact_outcome_json VARCHAR,
    source_system             VARCHAR NOT NULL,
    batch_id                  BIGINT NOT NULL,
    source_record_key         VARCHAR NOT NULL
);

-- One row per referral and the children-in-need episode that follows it. Follows ssd_cin_episodes.
CREATE TABLE cin_episodes (
    cine_referral_id           VARCHAR NOT NULL,
    cine_person_id             VARCHAR NOT NULL,
    cine_referral_date         DATE,
    cine_cin_primary_need_code VARCHAR,
    cine_referral_source_code  VARCHAR,
    cine_referral_source_desc  VARCHAR,
    cine_referral_outcome_json VARCHAR,
    cine_referral_nfa          VARCHAR,
    cine_close_reason          VARCHAR,
    cine_close_date            DATE,
    cine_referral_team         VARCHAR,
    cine_referral_worker_id    VARCHAR,
    source_system              VARCHAR NOT NULL,
    batch_id                   BIGINT NOT NULL,
    source_record_key          VARCHAR NOT NULL
);

-- One row per social care (single or continuous) assessment. Follows ssd_cin_assessments.
CREATE TABLE cin_assessments (
    cina_assessment_id           VARCHAR NOT NULL,
    cina_person_id               VARCHAR NOT NULL,
    cina_referral_id             VARCHAR,
    cina_assessment_start_date   DATE,
    cina_assessment_child_seen   VARCHAR,
    cina_assessment_auth_date    DATE,
    cina_assessment_outcome_json VARCHAR,
    cina_assessment_outcome_nfa  VARCHAR,
    cina_assessment_team         VARCHAR,
    cina_assessment_worker_id    VARCHAR,
    source_system                VARCHAR NOT NULL,
    batch_id                     BIGINT NOT NULL,
    source_record_key            VARCHAR NOT NULL
);

-- One row per assessment: the factors identified at it, as JSON. Follows ssd_assessment_factors.
CREATE TABLE assessment_factors (
    cinf_table_id                VARCHAR NOT NULL,
    cinf_assessment_id           VARCHAR NOT NULL,
    cinf_assessment_factors_json VARCHAR,
    source_system                VARCHAR NOT NULL,
    batch_id                     BIGINT NOT NULL,
    source_record_key            VARCHAR NOT NULL
);

-- One row per section 47 enquiry. Follows ssd_s47_enquiry.
CREATE TABLE s47_enquiry (
    s47e_s47_enquiry_id             VARCHAR NOT NULL,
    s47e_referral_id                VARCHAR,
    s47e_person_id                  VARCHAR NOT NULL,
    s47e_s47_start_date             DATE,
    s47e_s47_end_date               DATE,
    s47e_s47_nfa                    VARCHAR,
    s47e_s47_outcome_json           VARCHAR,
    s47e_s47_completed_by_worker_id VARCHAR,
    s47e_s47_completed_by_team      VARCHAR,
    source_system                   VARCHAR NOT NULL,
    batch_id                        BIGINT NOT NULL,
    source_record_key               VARCHAR NOT NULL
);

-- One row per initial child protection conference. Follows ssd_initial_cp_conference.
CREATE TABLE initial_cp_conference (
    icpc_icpc_id              VARCHAR NOT NULL,
    icpc_icpc_meeting_id      VARCHAR,
    icpc_s47_enquiry_id       VARCHAR,
    icpc_person_id            VARCHAR NOT NULL,
    icpc_cp_plan_id           VARCHAR NOT NULL,
    icpc_referral_id          VARCHAR,
    icpc_icpc_transfer_in     VARCHAR,
    icpc_icpc_target_date     DATE,
    icpc_icpc_date            DATE,
    icpc_icpc_outcome_cp_flag VARCHAR,
    icpc_icpc_outcome_json    VARCHAR,
    icpc_icpc_team            VARCHAR,
    icpc_icpc_worker_id       VARCHAR,
    source_system             VARCHAR NOT NULL,
    batch_id                  BIGINT NOT NULL,
    source_record_key         VARCHAR NOT NULL
);

-- One row per child protection plan. Follows ssd_cp_plans.
CREATE TABLE cp_plans (
    cppl_cp_plan_id               VARCHAR NOT NULL,
    cppl_referral_id              VARCHAR,
    cppl_icpc_id                  VARCHAR,
    cppl_person_id                VARCHAR NOT NULL,
    cppl_cp_plan_start_date       DATE,
    cppl_cp_plan_end_date         DATE,
    cppl_cp_plan_initial_category VARCHAR,
    cppl_cp_plan_ola              VARCHAR,
    cppl_cp_plan_latest_category  VARCHAR,
    source_system                 VARCHAR NOT NULL,
    batch_id                      BIGINT NOT NULL,
    source_record_key             VARCHAR NOT NULL
);

-- One row per child protection review conference. Follows ssd_cp_reviews.
CREATE TABLE cp_reviews (
    cppr_cp_review_id                  VARCHAR NOT NULL,
    cppr_person_id                     VARCHAR,
    cppr_cp_plan_id                    VARCHAR,
    cppr_cp_review_due                 DATE,
    cppr_cp_review_date                DATE,
    cppr_cp_review_meeting_id          VARCHAR,
    cppr_cp_review_outcome_continue_cp VARCHAR,
    cppr_cp_review_quorate             VARCHAR,
    cppr_cp_review_participation       VARCHAR,
    source_system                      VARCHAR NOT NULL,
    batch_id                           BIGINT NOT NULL,
    source_record_key                  VARCHAR NOT NULL
);

-- One row per statutory visit to a child on a child protection plan. Follows ssd_cp_visits.
CREATE TABLE cp_visits (
    cppv_cp_visit_id         VARCHAR NOT NULL,
    cppv_person_id           VARCHAR,
    cppv_cp_plan_id          VARCHAR NOT NULL,
    cppv_cp_visit_date       DATE,
    cppv_cp_visit_seen       VARCHAR,
    cppv_cp_visit_seen_alone VARCHAR,
    cppv_cp_visit_bedroom    VARCHAR,
    source_system            VARCHAR NOT NULL,
    batch_id                 BIGINT NOT NULL,
    source_record_key        VARCHAR NOT NULL
);

-- One row per child-in-need plan. Follows ssd_cin_plans.
CREATE TABLE cin_plans (
    cinp_cin_plan_id         VARCHAR NOT NULL,
    cinp_referral_id         VARCHAR,
    cinp_person_id           VARCHAR NOT NULL,
    cinp_cin_plan_start_date DATE,
    cinp_cin_plan_end_date   DATE,
    cinp_cin_plan_team       VARCHAR,
    cinp_cin_plan_worker_id  VARCHAR,
    source_system            VARCHAR NOT NULL,
    batch_id                 BIGINT NOT NULL,
    source_record_key        VARCHAR NOT NULL
);

-- One row per visit to a child in need. Follows ssd_cin_visits.
CREATE TABLE cin_visits (
    cinv_cin_visit_id         VARCHAR NOT NULL,
    cinv_person_id            VARCHAR,
    cinv_cin_visit_date       DATE,
    cinv_cin_visit_seen       VARCHAR,
    cinv_cin_visit_seen_alone VARCHAR,
    cinv_cin_visit_bedroom    VARCHAR,
    source_system             VARCHAR NOT NULL,
    batch_id                  BIGINT NOT NULL,
    source_record_key         VARCHAR NOT NULL
);

-- One row per episode of care (an SSDA903 episode). Follows ssd_cla_episodes.
CREATE TABLE cla_episodes (
    clae_cla_episode_id            VARCHAR NOT NULL,
    clae_person_id                 VARCHAR NOT NULL,
    clae_cla_episode_start_date    DATE,
    clae_cla_episode_start_reason  VARCHAR,
    clae_cla_primary_need_code     VARCHAR,
    clae_cla_episode_ceased_date   DATE,
    clae_cla_episode_ceased_reason VARCHAR,
    clae_cla_id                    VARCHAR,
    clae_referral_id               VARCHAR,
    clae_cla_placement_id          VARCHAR,
    clae_entered_care_date         DATE,
    clae_cla_last_iro_contact_date DATE,
    clae_home_postcode             VARCHAR, -- childhub extension: SSDA903 HOME_POST
    source_system                  VARCHAR NOT NULL,
    batch_id                       BIGINT NOT NULL,
    source_record_key              VARCHAR NOT NULL
);

-- One row per placement of a looked-after child. Follows ssd_cla_placement.
CREATE TABLE cla_placement (
    clap_cla_placement_id            VARCHAR NOT NULL,
    clap_cla_placement_start_date    DATE,
    clap_cla_placement_type          VARCHAR,
    clap_cla_placement_urn           VARCHAR,
    clap_cla_placement_distance      DOUBLE,
    clap_cla_id                      VARCHAR,
    clap_cla_placement_provider      VARCHAR,
    clap_cla_placement_postcode      VARCHAR,
    clap_cla_placement_end_date      DATE,
    clap_cla_placement_change_reason VARCHAR,
    clap_person_id                   VARCHAR,
    source_system                    VARCHAR NOT NULL,
    batch_id                         BIGINT NOT NULL,
    source_record_key                VARCHAR NOT NULL
);

-- One row per period of a legal status (SSDA903 LS). Follows ssd_legal_status.
CREATE TABLE legal_status (
    lega_legal_status_id         VARCHAR NOT NULL,
    lega_person_id               VARCHAR NOT NULL,
    lega_legal_status            VARCHAR,
    lega_legal_status_start_date DATE,
    lega_legal_status_end_date   DATE,
    source_system                VARCHAR NOT NULL,
    batch_id                     BIGINT NOT NULL,
    source_record_key            VARCHAR NOT NULL
);

-- One row per statutory review of a looked-after child. Follows ssd_cla_reviews.
CREATE TABLE cla_reviews (
    clar_cla_review_id            VARCHAR NOT NULL,
    clar_cla_id                   VARCHAR,
    clar_cla_review_due_date      DATE,
    clar_cla_review_date          DATE,
    clar_cla_review_cancelled     VARCHAR,
    clar_cla_review_participation VARCHAR,
    clar_person_id                VARCHAR, -- childhub extension: SSDA903 reviews name the child
    source_system                 VARCHAR NOT NULL,
    batch_id                      BIGINT NOT NULL,
    source_record_key             VARCHAR NOT NULL
);

-- One row per statutory visit to a looked-after child. Follows ssd_cla_visits.
CREATE TABLE cla_visits (
    clav_cla_visit_id         VARCHAR NOT NULL,
    clav_cla_id               VARCHAR,
    clav_person_id            VARCHAR,
    clav_cla_visit_date       DATE,
    clav_cla_visit_seen       VARCHAR,
    clav_cla_visit_seen_alone VARCHAR,
    source_system             VARCHAR NOT NULL,
    batch_id                  BIGINT NOT NULL,
    source_record_key         VARCHAR NOT NULL
);

-- One row per health check (assessment, dental...) of a looked-after child. Follows ssd_cla_health.
CREATE TABLE cla_health (
    clah_health_check_id     VARCHAR NOT NULL,
    clah_person_id           VARCHAR NOT NULL,
    clah_health_check_type   VARCHAR,
    clah_health_check_date   DATE,
    clah_health_check_status VARCHAR,
    source_system            VARCHAR NOT NULL,
    batch_id                 BIGINT NOT NULL,
    source_record_key        VARCHAR NOT NULL
);

-- One row per update of a looked-after child's immunisation status. Follows ssd_cla_immunisations.
CREATE TABLE cla_immunisations (
    clai_person_id                 VARCHAR NOT NULL,
    clai_immunisations_status      VARCHAR,
    clai_immunisations_status_date DATE,
    source_system                  VARCHAR NOT NULL,
    batch_id                       BIGINT NOT NULL,
    source_record_key              VARCHAR NOT NULL
);

-- One row per record of substance misuse by a looked-after child. Follows ssd_cla_substance_misuse.
CREATE TABLE cla_substance_misuse (
    clas_substance_misuse_id   VARCHAR NOT NULL,
    clas_person_id             VARCHAR NOT NULL,
    clas_substance_misuse_date DATE,
    clas_substance_misused     VARCHAR,
    clas_intervention_received VARCHAR,
    clas_intervention_offered  VARCHAR, -- childhub extension: SSDA903 OC2 INTERVENTION_OFFERED
    source_system              VARCHAR NOT NULL,
    batch_id                   BIGINT NOT NULL,
    source_record_key          VARCHAR NOT NULL
);

-- One row per conviction of a looked-after child. Follows ssd_cla_convictions.
CREATE TABLE cla_convictions (
    clac_cla_conviction_id      VARCHAR NOT NULL,
    clac_person_id              VARCHAR NOT NULL,
    clac_cla_conviction_date    DATE,
    clac_cla_conviction_offence VARCHAR,
    source_system               VARCHAR NOT NULL,
    batch_id                    BIGINT NOT NULL,
    source_record_key           VARCHAR NOT NULL
);

-- One row per permanence order a child had before care. Follows ssd_cla_previous_permanence.
CREATE TABLE cla_previous_permanence (
    lapp_table_id                       VARCHAR NOT NULL,
    lapp_person_id                      VARCHAR NOT NULL,
    lapp_previous_permanence_order_date VARCHAR, -- text in the SSD: SSDA903 allows 'zz/mm/yyyy'
    lapp_previous_permanence_option     VARCHAR,
    lapp_previous_permanence_la         VARCHAR,
    source_system                       VARCHAR NOT NULL,
    batch_id                            BIGINT NOT NULL,
    source_record_key                   VARCHAR NOT NULL
);

-- One row per period of a looked-after child's care (permanence) plan. Follows ssd_cla_care_plan.
CREATE TABLE cla_care_plan (
    lacp_table_id                 VARCHAR NOT NULL,
    lacp_person_id                VARCHAR NOT NULL,
    lacp_cla_care_plan_start_date DATE,
    lacp_cla_care_plan_end_date   DATE,
    lacp_cla_care_plan_json       VARCHAR,
    source_system                 VARCHAR NOT NULL,
    batch_id                      BIGINT NOT NULL,
    source_record_key             VARCHAR NOT NULL
);

-- One row per strengths-and-difficulties questionnaire score. Follows ssd_sdq_scores.
CREATE TABLE sdq_scores (
    csdq_table_id           VARCHAR NOT NULL,
    csdq_person_id          VARCHAR NOT NULL,
    csdq_sdq_completed_date DATE,
    csdq_sdq_reason         VARCHAR,
    csdq_sdq_score          VARCHAR,
    source_system           VARCHAR NOT NULL,
    batch_id                BIGINT NOT NULL,
    source_record_key       VARCHAR NOT NULL
);

-- One row per episode of a child missing or absent from placement. Follows ssd_missing.
CREATE TABLE missing (
    miss_table_id                   VARCHAR NOT NULL,
    miss_person_id                  VARCHAR,
    miss_missing_episode_start_date DATE,
    miss_missing_episode_type       VARCHAR,
    miss_missing_episode_end_date   DATE,
    miss_missing_rhi_offered        VARCHAR,
    miss_missing_rhi_accepted       VARCHAR,
    source_system                   VARCHAR NOT NULL,
    batch_id                        BIGINT NOT NULL,
    source_record_key               VARCHAR NOT NULL
);

-- One row per care leaver: latest contact, accommodation and activity. Follows ssd_care_leavers.
CREATE TABLE care_leavers (
    clea_table_id                     VARCHAR NOT NULL,
    clea_person_id                    VARCHAR NOT NULL,
    clea_care_leaver_eligibility      VARCHAR,
    clea_care_leaver_in_touch         VARCHAR,
    clea_care_leaver_latest_contact   DATE,
    clea_care_leaver_accommodation    VARCHAR,
    clea_care_leaver_accom_suitable   VARCHAR,
    clea_care_leaver_activity         VARCHAR,
    clea_pathway_plan_review_date     DATE,
    clea_care_leaver_personal_advisor VARCHAR,
    clea_care_leaver_allocated_team   VARCHAR,
    clea_care_leaver_worker_id        VARCHAR,
    source_system                     VARCHAR NOT NULL,
    batch_id                          BIGINT NOT NULL,
    source_record_key                 VARCHAR NOT NULL
);

-- One row per adoption or other permanence pathway in a period of care. Follows ssd_permanence.
CREATE TABLE permanence (
    perm_table_id                 VARCHAR NOT NULL,
    perm_person_id                VARCHAR NOT NULL,
    perm_cla_id                   VARCHAR,
    perm_adm_decision_date        DATE,
    perm_ffa_cp_decision_date     DATE,
    perm_placement_order_date     DATE,
    perm_placed_for_adoption_date DATE,
    perm_matched_date             DATE,
    perm_adopted_by_carer_flag    VARCHAR,
    perm_placed_ffa_cp_date       DATE,
    perm_decision_reversed_date   DATE,
    perm_placed_foster_carer_date DATE,
    perm_part_of_sibling_group    VARCHAR,
    perm_siblings_placed_together INTEGER,
    perm_siblings_placed_apart    INTEGER,
    perm_placement_provider_urn   VARCHAR,
    perm_decision_reversed_reason VARCHAR,
    perm_permanence_order_date    DATE,
    perm_permanence_order_type    VARCHAR,
    perm_adoption_worker_id       VARCHAR,
    perm_adopter_sex              VARCHAR,
    perm_adopter_legal_status     VARCHAR,
    perm_number_of_adopters       VARCHAR,
    source_system                 VARCHAR NOT NULL,
    batch_id                      BIGINT NOT NULL,
    source_record_key             VARCHAR NOT NULL
);

-- One row per period of pre-proceedings (Public Law Outline). Follows ssd_pre_proceedings.
CREATE TABLE pre_proceedings (
    prep_table_id                         VARCHAR NOT NULL,
    prep_person_id                        VARCHAR NOT NULL,
    prep_plo_family_id                    VARCHAR NOT NULL,
    prep_pre_pro_decision_date            DATE,
    prep_initial_pre_pro_meeting_date     DATE,
    prep_pre_pro_outcome                  VARCHAR,
    prep_agree_stepdown_issue_date        DATE,
    prep_cp_plans_referral_period         INTEGER,
    prep_legal_gateway_outcome            VARCHAR,
    prep_prev_pre_proc_child              INTEGER,
    prep_prev_care_proc_child             INTEGER,
    prep_pre_pro_letter_date              DATE,
    prep_care_pro_letter_date             DATE,
    prep_pre_pro_meetings_num             INTEGER,
    prep_pre_pro_parents_legal_rep        VARCHAR,
    prep_parents_legal_rep_point_of_issue VARCHAR,
    prep_court_reference                  VARCHAR,
    prep_care_proc_court_hearings         INTEGER,
    prep_care_proc_short_notice           VARCHAR,
    prep_proc_short_notice_reason         VARCHAR,
    prep_la_inital_plan_approved          VARCHAR,
    prep_la_initial_care_plan             VARCHAR,
    prep_la_final_plan_approved           VARCHAR,
    prep_la_final_care_plan               VARCHAR,
    source_system                         VARCHAR NOT NULL,
    batch_id                              BIGINT NOT NULL,
    source_record_key                     VARCHAR NOT NULL
);

-- One row per child's answers to the voice-of-the-child questions. Follows ssd_voice_of_child.
CREATE TABLE voice_of_child (
    voch_table_id              VARCHAR NOT NULL,
    voch_person_id             VARCHAR NOT NULL,
    voch_explained_worries     VARCHAR,
    voch_story_help_understand VARCHAR,
    voch_agree_worker          VARCHAR,
    voch_plan_safe             VARCHAR,
    voch_tablet_help_explain   VARCHAR,
    source_system              VARCHAR NOT NULL,
    batch_id                   BIGINT NOT NULL,
    source_record_key          VARCHAR NOT NULL
);

-- One row per early help episode. Follows ssd_early_help_episodes.
CREATE TABLE early_help_episodes (
    earl_episode_id           VARCHAR NOT NULL,
    earl_person_id            VARCHAR NOT NULL,
    earl_episode_start_date   DATE,
    earl_episode_end_date     DATE,
    earl_episode_reason       VARCHAR,
    earl_episode_end_reason   VARCHAR,
    earl_episode_organisation VARCHAR,
    earl_episode_worker_id    VARCHAR,
    source_system             VARCHAR NOT NULL,
    batch_id                  BIGINT NOT NULL,
    source_record_key         VARCHAR NOT NULL
);

-- One row per worker (social worker, personal adviser...). Follows ssd_professionals.
CREATE TABLE professionals (
    prof_professional_id               VARCHAR NOT NULL,
    prof_staff_id                      VARCHAR,
    prof_professional_name             VARCHAR,
    prof_social_worker_registration_no VARCHAR,
    prof_professional_job_title        VARCHAR,
    prof_professional_caseload         INTEGER,
    prof_professional_department       VARCHAR,
    prof_full_time_equivalency         DOUBLE,
    prof_agency_worker_flag            VARCHAR,
    source_system                      VARCHAR NOT NULL,
    batch_id                           BIGINT NOT NULL,
    source_record_key                  VARCHAR NOT NULL
);

-- One row per team or department. Follows ssd_department.
CREATE TABLE department (
    dept_team_id          VARCHAR,
    dept_team_name        VARCHAR,
    dept_team_parent_id   VARCHAR,
    dept_team_parent_name VARCHAR,
    source_system         VARCHAR NOT NULL,
    batch_id              BIGINT NOT NULL,
    source_record_key     VARCHAR NOT NULL
);

-- One row per allocation of a worker to a person. Follows ssd_involvements.
CREATE TABLE involvements (
    invo_involvements_id        VARCHAR,
    invo_professional_id        VARCHAR,
    invo_professional_role_id   VARCHAR,
    invo_professional_team      VARCHAR,
    invo_involvement_start_date DATE,
    invo_involvement_end_date   DATE,
    invo_worker_change_reason   VARCHAR,
    invo_person_id              VARCHAR,
    invo_referral_id            VARCHAR,
    source_system               VARCHAR NOT NULL,
    batch_id                    BIGINT NOT NULL,
    source_record_key           VARCHAR NOT NULL
);

-- One row per SEND record tying a person to their UPN or ULN. Follows ssd_send.
CREATE TABLE send (
    send_table_id     VARCHAR NOT NULL,
    send_upn          VARCHAR NOT NULL,
    send_uln          VARCHAR,
    send_upn_unknown  VARCHAR,
    send_person_id    VARCHAR NOT NULL,
    source_system     VARCHAR NOT NULL,
    batch_id          BIGINT NOT NULL,
    source_record_key VARCHAR NOT NULL
);

-- One row per request for an EHC needs assessment. Follows ssd_ehcp_requests.
CREATE TABLE ehcp_requests (
    ehcr_ehcp_request_id       VARCHAR NOT NULL,
    ehcr_send_table_id         VARCHAR,
    ehcr_ehcp_req_date         DATE,
    ehcr_ehcp_req_outcome_date DATE,
    ehcr_ehcp_req_outcome      VARCHAR,
    source_system              VARCHAR NOT NULL,
    batch_id                   BIGINT NOT NULL,
    source_record_key          VARCHAR NOT NULL
);

-- One row per EHC needs assessment and its outcome. Follows ssd_ehcp_assessment.
CREATE TABLE ehcp_assessment (
    ehca_ehcp_assessment_id           VARCHAR NOT NULL,
    ehca_ehcp_request_id              VARCHAR,
    ehca_ehcp_assessment_outcome_date DATE,
    ehca_ehcp_assessment_outcome      VARCHAR,
    ehca_ehcp_assessment_exceptions   VARCHAR,
    source_system                     VARCHAR NOT NULL,
    batch_id                          BIGINT NOT NULL,
    source_record_key                 VARCHAR NOT NULL
);

-- One row per EHC plan as first named, and its ending. Follows ssd_ehcp_named_plan.
CREATE TABLE ehcp_named_plan (
    ehcn_named_plan_id            VARCHAR NOT NULL,
    ehcn_ehcp_asmt_id             VARCHAR,
    ehcn_named_plan_start_date    DATE,
    ehcn_named_plan_ceased_date   DATE,
    ehcn_named_plan_ceased_reason VARCHAR,
    source_system                 VARCHAR NOT NULL,
    batch_id                      BIGINT NOT NULL,
    source_record_key             VARCHAR NOT NULL
);

-- One row per active EHC plan and its latest review. Follows ssd_ehcp_active_plans.
CREATE TABLE ehcp_active_plans (
    ehcp_active_ehcp_id               VARCHAR NOT NULL,
    ehcp_ehcp_request_id              VARCHAR,
    ehcp_active_ehcp_last_review_date DATE,
    source_system                     VARCHAR NOT NULL,
    batch_id                          BIGINT NOT NULL,
    source_record_key                 VARCHAR NOT NULL
);

-- One row per special educational need type on an active EHC plan, ranked. Follows ssd_sen_need.
CREATE TABLE sen_need (
    senn_table_id              VARCHAR NOT NULL,
    senn_active_ehcp_id        VARCHAR,
    senn_active_ehcp_need_type VARCHAR,
    senn_active_ehcp_need_rank VARCHAR,
    source_system              VARCHAR NOT NULL,
    batch_id                   BIGINT NOT NULL,
    source_record_key          VARCHAR NOT NULL
);

-- ---------------------------------------------------------------------------------------
-- SSDA903 extras: looked-after-children return tables the SSD has no object for
-- ---------------------------------------------------------------------------------------

-- One row per UASC child, with the date they ceased to be UASC. SSDA903 uasc; no SSD object.
CREATE TABLE cla_uasc (
    clau_person_id        VARCHAR NOT NULL,
    clau_uasc_ceased_date DATE,
    source_system         VARCHAR NOT NULL,
    batch_id              BIGINT NOT NULL,
    source_record_key     VARCHAR NOT NULL
);

-- One row per deprivation of liberty order. SSDA903 dolo; no SSD object.
CREATE TABLE dolo (
    dolo_person_id    VARCHAR NOT NULL,
    dolo_start_date   DATE NOT NULL,
    dolo_end_date     DATE,
    source_system     VARCHAR NOT NULL,
    batch_id          BIGINT NOT NULL,
    source_record_key VARCHAR NOT NULL
);

-- One row per social-worker episode. SSDA903 sw_episodes; no SSD object (cf. involvements).
CREATE TABLE sw_episodes (
    swep_person_id             VARCHAR NOT NULL,
    swep_sw_id                 VARCHAR NOT NULL,
    swep_sw_episode_start_date DATE NOT NULL,
    swep_sw_episode_end_date   DATE,
    swep_sw_change_reason      VARCHAR,
    source_system              VARCHAR NOT NULL,
    batch_id                   BIGINT NOT NULL,
    source_record_key          VARCHAR NOT NULL
);

-- ---------------------------------------------------------------------------------------
-- Cross-service: schools, SEN, youth justice, police, NEET (no SSD objects)
-- Each row names its person as <prefix>_person_id: the person's identifier in the source
-- system (a UPN where the source has nothing else). (source_system, <prefix>_person_id)
-- is what child_link maps to a child.
-- ---------------------------------------------------------------------------------------

-- One row per pupil's enrolment at a school (school census or MIS). No SSD object.
CREATE TABLE school_enrolments (
    enrl_person_id      VARCHAR NOT NULL,
    enrl_upn            VARCHAR,
    enrl_school_urn     VARCHAR,
    enrl_school_laestab VARCHAR, -- LA number and establishment number, e.g. 8454001
    enrl_phase          VARCHAR, -- DfE phase: NS, PR, MP, MS, SE, AT, PS, SP...
    enrl_entry_date     DATE,
    enrl_leaving_date   DATE,
    enrl_year_group     VARCHAR, -- N1, N2, R, 1..14, X
    enrl_fsm_eligible   BOOLEAN,
    enrl_census_date    DATE,    -- the census the row was taken from, if any
    source_system       VARCHAR NOT NULL,
    batch_id            BIGINT NOT NULL,
    source_record_key   VARCHAR NOT NULL
);

-- One row per pupil, school and term: sessions possible and missed. No SSD object.
CREATE TABLE school_attendance (
    attd_person_id                     VARCHAR NOT NULL,
    attd_school_urn                    VARCHAR,
    attd_academic_year                 VARCHAR NOT NULL, -- '2024/25'
    attd_term                          VARCHAR NOT NULL, -- autumn, spring, summer
    attd_possible_sessions             INTEGER,          -- missed 10%+: persistent; 50%+: severe
    attd_sessions_authorised_absence   INTEGER,
    attd_sessions_unauthorised_absence INTEGER,
    source_system                      VARCHAR NOT NULL,
    batch_id                           BIGINT NOT NULL,
    source_record_key                  VARCHAR NOT NULL
);

-- One row per suspension or permanent exclusion from school. No SSD object.
CREATE TABLE school_exclusions (
    excl_person_id    VARCHAR NOT NULL,
    excl_school_urn   VARCHAR,
    excl_start_date   DATE NOT NULL,
    excl_category     VARCHAR NOT NULL, -- FIXD suspension, PERM permanent exclusion
    excl_reason_code  VARCHAR,          -- DfE reason code, e.g. PP, VP, DB
    excl_sessions     INTEGER,          -- sessions (half days) excluded; none for PERM
    source_system     VARCHAR NOT NULL,
    batch_id          BIGINT NOT NULL,
    source_record_key VARCHAR NOT NULL
);

-- One row per pupil's SEN provision at a census date, with its needs. No SSD object.
CREATE TABLE sen_provision (
    senp_person_id      VARCHAR NOT NULL,
    senp_school_urn     VARCHAR,
    senp_census_date    DATE NOT NULL,
    senp_sen_provision  VARCHAR NOT NULL, -- K SEN support, E EHC plan
    senp_primary_need   VARCHAR,          -- SpLD, MLD, SLCN, SEMH, ASD...
    senp_secondary_need VARCHAR,
    source_system       VARCHAR NOT NULL,
    batch_id            BIGINT NOT NULL,
    source_record_key   VARCHAR NOT NULL
);

-- One row per youth justice outcome (caution or sentence) given to a child. No SSD object.
CREATE TABLE youth_justice_outcomes (
    yjus_person_id          VARCHAR NOT NULL,
    yjus_offence_date       DATE,
    yjus_outcome_date       DATE NOT NULL,
    yjus_outcome_type       VARCHAR NOT NULL, -- youth caution, referral order, YRO, custody...
    yjus_outcome_tier       VARCHAR,          -- pre-court, first-tier, community, custody
    yjus_first_time_entrant BOOLEAN,
    source_system           VARCHAR NOT NULL,
    batch_id                BIGINT NOT NULL,
    source_record_key       VARCHAR NOT NULL
);

-- One row per police domestic-abuse notification (Operation Encompass). No SSD object.
CREATE TABLE police_notifications (
    poln_person_id         VARCHAR NOT NULL,
    poln_incident_date     DATE,
    poln_notification_date DATE NOT NULL,
    poln_school_notified   BOOLEAN,
    poln_school_urn        VARCHAR,
    source_system          VARCHAR NOT NULL,
    batch_id               BIGINT NOT NULL,
    source_record_key      VARCHAR NOT NULL
);

-- One row per young person aged 16-17 and month: their NCCIS activity. No SSD object.
CREATE TABLE neet_status (
    neet_person_id     VARCHAR NOT NULL,
    neet_month         DATE NOT NULL, -- first day of the month
    neet_activity_code VARCHAR,       -- NCCIS activity code
    neet_is_neet       BOOLEAN,
    neet_is_not_known  BOOLEAN,
    source_system      VARCHAR NOT NULL,
    batch_id           BIGINT NOT NULL,
    source_record_key  VARCHAR NOT NULL
);

-- ---------------------------------------------------------------------------------------
-- Identity: which source records are the same child, and which children are a family.
-- source_record is read from sources and carries provenance; the rest record childhub's
-- own decisions, so they carry decided_by and times instead.
-- ---------------------------------------------------------------------------------------

-- One row per person record in any source and batch: the fields linkage compares. No SSD object.
CREATE TABLE source_record (
    source_record_id       VARCHAR NOT NULL, -- the person's identifier in source_system
    forename               VARCHAR,
    middle_names           VARCHAR,
    surname                VARCHAR,
    sex                    VARCHAR,
    date_of_birth          DATE,
    expected_date_of_birth DATE,
    ethnicity              VARCHAR,
    upn                    VARCHAR,
    former_upn             VARCHAR,
    nhs_number             VARCHAR,
    postcode               VARCHAR,
    address                VARCHAR,
    source_system          VARCHAR NOT NULL,
    batch_id               BIGINT NOT NULL,
    source_record_key      VARCHAR NOT NULL
);

CREATE SEQUENCE child_id_sequence START 1;

-- One row per child childhub knows: the stable ID every service's records link to. No SSD object.
CREATE TABLE child (
    child_id             BIGINT PRIMARY KEY DEFAULT nextval('child_id_sequence'),
    created_at           TIMESTAMP NOT NULL,
    status               VARCHAR NOT NULL, -- active, merged (see merged_into_child_id), retired
    merged_into_child_id BIGINT
);

-- One row per period a source record was linked to a child. No SSD object.
CREATE TABLE child_link (
    source_system    VARCHAR NOT NULL,
    source_record_id VARCHAR NOT NULL,
    child_id         BIGINT NOT NULL,
    valid_from       TIMESTAMP NOT NULL,
    valid_to         TIMESTAMP,        -- NULL while the link holds
    decided_by       VARCHAR NOT NULL, -- a rule, a model run, or a named reviewer
    reason           VARCHAR
);

CREATE SEQUENCE identity_decision_id_sequence START 1;

-- One row per identity decision (link, merge, split...): child_link's audit trail. No SSD object.
CREATE TABLE identity_decision (
    decision_id       BIGINT PRIMARY KEY DEFAULT nextval('identity_decision_id_sequence'),
    decided_at        TIMESTAMP NOT NULL,
    decision          VARCHAR NOT NULL, -- link, merge, split, keep_apart, review
    decided_by        VARCHAR NOT NULL,
    child_id          BIGINT,
    other_child_id    BIGINT,           -- the second child of a merge, split or keep_apart
    source_system     VARCHAR,
    source_record_id  VARCHAR,
    match_probability DOUBLE,
    reason            VARCHAR,
    details_json      VARCHAR
);

CREATE SEQUENCE family_id_sequence START 1;

-- One row per family childhub recognises (ssd_family is the CMS's own; see family). No SSD object.
CREATE TABLE family_group (
    family_id  BIGINT PRIMARY KEY DEFAULT nextval('family_id_sequence'),
    created_at TIMESTAMP NOT NULL
);

-- One row per period a child belonged to a family_group. No SSD object.
CREATE TABLE family_member (
    family_id  BIGINT NOT NULL,
    child_id   BIGINT NOT NULL,
    role       VARCHAR,  -- e.g. child, sibling, half_sibling, parent
    valid_from TIMESTAMP NOT NULL,
    valid_to   TIMESTAMP -- NULL while the membership holds
);

-- ---------------------------------------------------------------------------------------
-- Batches
-- ---------------------------------------------------------------------------------------

CREATE SEQUENCE ingest_batch_id_sequence START 1;

-- One row per source file childhub has read (or tried to): the batch_id rows cite. No SSD object.
CREATE TABLE ingest_batch (
    batch_id      BIGINT PRIMARY KEY DEFAULT nextval('ingest_batch_id_sequence'),
    source_system VARCHAR NOT NULL,
    source_kind   VARCHAR NOT NULL, -- e.g. ssda903_csv, ssda903_xml, cin_xml, ssd, school_census
    file_name     VARCHAR NOT NULL,
    file_sha256   VARCHAR NOT NULL,
    extract_date  DATE,
    started_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP,
    status        VARCHAR NOT NULL, -- running, loaded, failed
    rows_read     BIGINT,
    rows_loaded   BIGINT,
    rows_rejected BIGINT
);
