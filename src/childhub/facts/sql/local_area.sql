-- fact_local_area: one row per postcode district (the outward code: "QX12" of "QX12 3AB") taken to lie in the
-- authority's own area: the districts of the home addresses children's social care records (fact_person.area of
-- source system social_care) that hold at least 1 in 100 of those addressed people. No source names the authority a
-- placement is in, so whether a placement is inside the area is read from its postcode's district against these;
-- a district shared with a neighbouring authority counts as the authority's own.
WITH district AS (
    SELECT area, count(*) AS people
    FROM fact_person
    WHERE source_system = 'social_care' AND area IS NOT NULL
    GROUP BY area
)
SELECT area AS district, people
FROM district
WHERE 100 * people >= (SELECT sum(people) FROM district)
